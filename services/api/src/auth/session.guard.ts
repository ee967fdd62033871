import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { SessionRepository, type User } from '@backtrac/catalog';
import { IS_PUBLIC } from '@backtrac/runtime';
import { API_CONFIG, type ApiConfig } from '../common/api-config.js';

/**
 * `__Host-` makes a browser accept the cookie only when it is Secure, for this host alone (no
 * Domain) and path /, so a sibling subdomain or a plain-HTTP page cannot plant or shadow it.
 * Without Secure (plain-HTTP development) the prefix is not allowed, hence the plain name.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-bt_session' : 'bt_session';
}

export interface AuthenticatedRequest extends Request {
  user: User;
}

/** Every endpoint requires a live session unless it is marked @Public(). */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request & { user?: User }>();
    const token: unknown = request.cookies?.[sessionCookieName(this.config.COOKIE_SECURE)];
    if (typeof token !== 'string' || token.length === 0) throw new UnauthorizedException('Not logged in');
    const session = await this.sessions.findLive(token);
    if (!session) throw new UnauthorizedException('Session expired; log in again');
    request.user = session.user;
    return true;
  }
}
