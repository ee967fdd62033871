import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Serves the built Angular console at / with a fallback to index.html for its client-side routes.
 * /api, /healthz and /readyz are never shadowed.
 */
export function serveConsole(app: NestExpressApplication, directory: string): boolean {
  const index = join(directory, 'index.html');
  if (!existsSync(index)) return false;
  app.useStaticAssets(directory, { index: false, maxAge: '1h' });
  app.use((request: Request, response: Response, next: NextFunction) => {
    const isApi = request.path.startsWith('/api') || request.path === '/healthz' || request.path === '/readyz';
    if (request.method !== 'GET' || isApi) return next();
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index);
  });
  return true;
}
