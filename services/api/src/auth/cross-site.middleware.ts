import type { NextFunction, Request, Response } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests a browser sends on behalf of another site (CSRF), on top of the
 * SameSite=Strict cookie: `Sec-Fetch-Site` when the browser sends it, else `Origin`. A request
 * with neither comes from a program (curl, a script), not from a page, and carries no ambient
 * credentials it did not choose to send.
 */
export function crossSiteRequestGuard(publicUrl: string | undefined): (request: Request, response: Response, next: NextFunction) => void {
  const publicHost = publicUrl ? new URL(publicUrl).host.toLowerCase() : undefined;
  return (request, response, next) => {
    if (SAFE_METHODS.has(request.method)) return next();
    const refusal = crossSiteRefusal(request, publicHost);
    if (refusal === null) return next();
    response.status(403).json({ statusCode: 403, message: refusal, error: 'Forbidden' });
  };
}

function crossSiteRefusal(request: Request, publicHost: string | undefined): string | null {
  const fetchSite = request.get('sec-fetch-site');
  if (fetchSite !== undefined) {
    return fetchSite === 'same-origin' || fetchSite === 'none' ? null : `Cross-site request refused (Sec-Fetch-Site: ${fetchSite.slice(0, 40)})`;
  }
  const origin = request.get('origin');
  if (origin === undefined) return null;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return 'Cross-site request refused (unreadable Origin)';
  }
  const own = (request.get('host') ?? '').toLowerCase();
  if (host === own || (publicHost !== undefined && host === publicHost)) return null;
  return `Cross-site request refused (Origin ${origin.slice(0, 200)} is not this server)`;
}
