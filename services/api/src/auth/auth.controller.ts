import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { User } from '@backtrac/catalog';
import { API_CONFIG, type ApiConfig } from '../common/api-config.js';
import { LoginDto, UserDto } from './auth.dto.js';
import { AuthService } from './auth.service.js';
import { Public } from '@backtrac/runtime';
import { type AuthenticatedRequest, sessionCookieName } from './session.guard.js';

const toUserDto = (user: User): UserDto => ({ id: user.id, email: user.email, role: user.role });

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: UserDto })
  @ApiUnauthorizedResponse({ description: 'Invalid email or password' })
  async login(@Body() body: LoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<UserDto> {
    const { user, token, expiresAt } = await this.auth.login(body.email, body.password, request.ip ?? null);
    response.cookie(sessionCookieName(this.config.COOKIE_SECURE), token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.COOKIE_SECURE,
      expires: expiresAt,
      path: '/',
    });
    return toUserDto(user);
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const name = sessionCookieName(this.config.COOKIE_SECURE);
    const token: unknown = request.cookies?.[name];
    await this.auth.logout(typeof token === 'string' ? token : undefined);
    response.clearCookie(name, { path: '/', httpOnly: true, sameSite: 'strict', secure: this.config.COOKIE_SECURE });
  }

  @Get('me')
  @ApiOkResponse({ type: UserDto })
  me(@Req() request: AuthenticatedRequest): UserDto {
    return toUserDto(request.user);
  }
}
