import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, LessThan } from 'typeorm';
import { SecretBox } from '../crypto/secret-box.js';
import {
  AuditLogEntry, Client, RetentionPolicy, Schedule, Session, Share, User,
} from '../entities/index.js';
import { EntityRepository } from './entity.repository.js';

export const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

@Injectable()
export class UserRepository extends EntityRepository<User> {
  constructor(@Inject(DataSource) dataSource: DataSource) {
    super(dataSource, User);
  }
  findByEmail(email: string): Promise<User | null> {
    return this.repo.findOneBy({ email });
  }
  count(): Promise<number> {
    return this.repo.count();
  }
  /**
   * Creates the first admin only while there are no users at all. Several api replicas start at
   * once: a transaction-scoped advisory lock makes the check and the insert one step, so exactly
   * one of them creates it. Null when users already existed.
   */
  createFirstAdmin(email: string, passwordHash: string): Promise<User | null> {
    return this.repo.manager.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('backtrac:first-admin'))`);
      if ((await manager.count(User)) > 0) return null;
      return manager.save(manager.create(User, { email, passwordHash, role: 'admin' }));
    });
  }
  async touchLogin(id: string): Promise<void> {
    await this.repo.update(id, { lastLoginAt: new Date() });
  }
}

@Injectable()
export class SessionRepository extends EntityRepository<Session> {
  constructor(@Inject(DataSource) dataSource: DataSource) {
    super(dataSource, Session);
  }
  /** Stores only the token's hash; the raw token goes to the browser once. */
  start(userId: string, token: string, expiresAt: Date): Promise<Session> {
    return this.create({ userId, tokenHash: sha256(token), expiresAt });
  }
  async findLive(token: string): Promise<(Session & { user: User }) | null> {
    const session = await this.repo.findOne({ where: { tokenHash: sha256(token) }, relations: { user: true } });
    if (session && session.expiresAt.getTime() <= Date.now()) await this.repo.delete({ id: session.id });
    if (!session?.user || session.expiresAt.getTime() <= Date.now()) return null;
    return session as Session & { user: User };
  }
  async end(token: string): Promise<void> {
    await this.repo.delete({ tokenHash: sha256(token) });
  }
  async purgeExpired(): Promise<void> {
    await this.repo.delete({ expiresAt: LessThan(new Date()) });
  }
}

@Injectable()
export class ClientRepository extends EntityRepository<Client> {
  constructor(@Inject(DataSource) dataSource: DataSource) {
    super(dataSource, Client);
  }
  listEnabled(): Promise<Client[]> {
    return this.repo.find({ where: { enabled: true }, order: { name: 'ASC' } });
  }
}

export interface ShareInput {
  name?: string;
  url?: string;
  username?: string;
  domain?: string;
  /** Plaintext; sealed before it reaches the database. Null clears it, undefined keeps it. */
  password?: string | null;
  excludes?: string[];
  preHook?: string;
  postHook?: string;
}

/** Where a share's credentials go: scheme, host and port (a path change stays on the same server). */
function credentialTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host.toLowerCase()}`;
  } catch {
    return url;
  }
}

@Injectable()
export class ShareRepository extends EntityRepository<Share> {
  constructor(@Inject(DataSource) dataSource: DataSource, private readonly secrets: SecretBox) {
    super(dataSource, Share);
  }
  listForClient(clientId: string): Promise<Share[]> {
    return this.repo.find({ where: { clientId }, order: { name: 'ASC' } });
  }
  createForClient(clientId: string, input: ShareInput): Promise<Share> {
    return this.create({ ...this.toColumns(input), clientId });
  }
  /**
   * A stored password is never sent to a host it was not given for: moving a share to another
   * host (or scheme, or port) without giving the password again drops it.
   */
  async updateShare(id: string, input: ShareInput): Promise<Share | null> {
    const columns = this.toColumns(input);
    if (input.url !== undefined && input.password === undefined) {
      const current = await this.findById(id);
      if (current && current.passwordSealed !== null && credentialTarget(current.url) !== credentialTarget(input.url)) columns.passwordSealed = null;
    }
    return this.update(id, columns);
  }
  /** The only way to read a share password back: for the copy worker connecting to the share. */
  openPassword(share: Share): string | null {
    return share.passwordSealed === null ? null : this.secrets.open(share.passwordSealed);
  }
  private toColumns({ password, ...rest }: ShareInput): Partial<Share> {
    const columns: Partial<Share> = { ...rest };
    if (password !== undefined) columns.passwordSealed = password === null || password === '' ? null : this.secrets.seal(password);
    return columns;
  }
}

@Injectable()
export class ScheduleRepository extends EntityRepository<Schedule> {
  constructor(@Inject(DataSource) dataSource: DataSource) {
    super(dataSource, Schedule);
  }
  listEnabled(): Promise<Schedule[]> {
    return this.repo.find({ where: { enabled: true }, relations: { retentionPolicy: true } });
  }
}

@Injectable()
export class RetentionPolicyRepository extends EntityRepository<RetentionPolicy> {
  constructor(@Inject(DataSource) dataSource: DataSource) {
    super(dataSource, RetentionPolicy);
  }
}

export interface AuditRecord {
  actor: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
  address?: string | null;
}

@Injectable()
export class AuditLogRepository {
  private readonly repo;
  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.repo = dataSource.getRepository(AuditLogEntry);
  }
  async record(entry: AuditRecord): Promise<void> {
    await this.repo.insert({ ...entry, target: entry.target ?? null, details: (entry.details ?? {}) as never, address: entry.address ?? null });
  }
  latest(limit: number): Promise<AuditLogEntry[]> {
    return this.repo.find({ order: { id: 'DESC' }, take: limit });
  }
}
