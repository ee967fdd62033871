import { HttpException, HttpStatus, Inject, Injectable, Logger, type OnApplicationBootstrap, UnauthorizedException } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { AuditLogRepository, SessionRepository, type User, UserRepository } from '@backtrac/catalog';
import { API_CONFIG, type ApiConfig } from '../common/api-config.js';
import { Argon2Gate } from './argon2-gate.js';
import { type LoginBlock, LoginThrottleRepository } from './login-throttle.repository.js';

const BLOCK_REASON: Record<LoginBlock['kind'], string> = {
  pair: 'for this account from your address',
  address: 'from your address',
  account: 'for this account',
};

/** 429 with a message saying what is limited and for how long. */
export class TooManySignInsException extends HttpException {
  constructor(readonly block: LoginBlock) {
    super(`Too many failed sign-ins ${BLOCK_REASON[block.kind]}; try again in ${block.retryAfterSeconds} s`, HttpStatus.TOO_MANY_REQUESTS);
  }
}

// Verifying against this when the e-mail is unknown keeps the timing of both failures alike.
const DUMMY_HASH_INPUT = 'backtrac-no-such-user';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  private dummyHash: Promise<string> | undefined;
  private readonly argon2Gate = new Argon2Gate();

  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly audit: AuditLogRepository,
    private readonly throttle: LoginThrottleRepository,
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
    const from = address ?? 'unknown';
    const refuseIfBlocked = async (): Promise<void> => {
      const block = await this.throttle.blocked(email, from);
      if (block) throw new TooManySignInsException(block);
    };
    await refuseIfBlocked();
    const user = await this.users.findByEmail(email);
    // Checked again once a hashing slot is free: failures recorded meanwhile count for this one too.
    // A failure is recorded before the slot is freed, so the next one waiting sees it.
    const valid = await this.argon2Gate.run(async () => {
      await refuseIfBlocked();
      const ok = user ? await argon2.verify(user.passwordHash, password) : await argon2.verify(await this.getDummyHash(), password).then(() => false);
      if (!ok) await this.throttle.recordFailure(email, from);
      return ok;
    });
    if (!user || !valid) {
      await this.audit.record({ actor: 'anonymous', action: 'login.failed', details: { email }, address });
      throw new UnauthorizedException('Invalid email or password');
    }
    await this.throttle.recordSuccess(email, from);
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
