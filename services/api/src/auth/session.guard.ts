import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { SessionRepository, type User } from '@backtrac/catalog';
import { IS_PUBLIC } from '@backtrac/runtime';

export const SESSION_COOKIE = 'bt_session';

export interface AuthenticatedRequest extends Request {
  user: User;
}

/** Every endpoint requires a live session unless it is marked @Public(). */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request & { user?: User }>();
    const token: unknown = request.cookies?.[SESSION_COOKIE];
    if (typeof token !== 'string' || token.length === 0) throw new UnauthorizedException('Not logged in');
    const session = await this.sessions.findLive(token);
    if (!session) throw new UnauthorizedException('Session expired; log in again');
    request.user = session.user;
    return true;
  }
}
