import { Inject, Injectable, Logger, type OnApplicationBootstrap, UnauthorizedException } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { AuditLogRepository, SessionRepository, type User, UserRepository } from '@backtrac/catalog';
import { API_CONFIG, type ApiConfig } from '../common/api-config.js';

// Verifying against this when the e-mail is unknown keeps the timing of both failures alike.
const DUMMY_HASH_INPUT = 'backtrac-no-such-user';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly audit: AuditLogRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** Creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD when there are no users yet. */
  async onApplicationBootstrap(): Promise<void> {
    await this.sessions.purgeExpired();
    const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = this.config;
    if (!email || !password || (await this.users.count()) > 0) return;
    const user = await this.users.createFirstAdmin(email, await argon2.hash(password));
    if (!user) return; // another replica created it meanwhile
    await this.audit.record({ actor: 'system', action: 'user.created', target: `user:${user.id}`, details: { email } });
    this.logger.log(`created the first admin ${email}`);
  }

  async login(email: string, password: string, address: string | null): Promise<{ user: User; token: string; expiresAt: Date }> {
    const user = await this.users.findByEmail(email);
    const valid = user
      ? await argon2.verify(user.passwordHash, password)
      : await argon2.verify(await this.getDummyHash(), password).then(() => false);
    if (!user || !valid) {
      await this.audit.record({ actor: 'anonymous', action: 'login.failed', details: { email }, address });
      throw new UnauthorizedException('Invalid email or password');
    }
    // Sessions end by expiry more often than by logout; a login is a good moment to sweep them.
    await this.sessions.purgeExpired();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.SESSION_TTL_HOURS * 3600_000);
    await this.sessions.start(user.id, token, expiresAt);
    await this.users.touchLogin(user.id);
    await this.audit.record({ actor: `user:${user.id}`, action: 'login', address });
    return { user, token, expiresAt };
  }

  async logout(token: string | undefined): Promise<void> {
    if (token) await this.sessions.end(token);
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= argon2.hash(DUMMY_HASH_INPUT);
    return this.dummyHash;
  }
}
