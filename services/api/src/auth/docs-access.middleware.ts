import type { NextFunction, Request, Response } from 'express';
import type { SessionRepository } from '@backtrac/catalog';

/**
 * The interactive docs and the OpenAPI document map every endpoint: they are for signed-in
 * users, unless API_DOCS_PUBLIC says otherwise. Express middleware, because Swagger's routes sit
 * outside Nest's guards.
 */
export function docsAccess(sessions: SessionRepository, cookieName: string): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    const token: unknown = request.cookies?.[cookieName];
    const refuse = (message: string) => response.status(401).json({ statusCode: 401, message, error: 'Unauthorized' });
    if (typeof token !== 'string' || token === '') {
      refuse('Not logged in (the API documentation is for signed-in users)');
      return;
    }
    sessions.findLive(token).then(
      (session) => (session ? next() : refuse('Session expired; log in again')),
      (error: unknown) => next(error),
    );
  };
}
