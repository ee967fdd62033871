import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, Not, type Repository } from 'typeorm';
import { Agent, type AgentStatus } from '../entities/agent.entity.js';
import { ChangeJournalEntry } from '../entities/change-journal-entry.entity.js';
import { EnrolmentToken } from '../entities/enrolment-token.entity.js';

/** An agent is online when its last heartbeat is younger than three heartbeat intervals. */
export function isAgentOnline(lastHeartbeatAt: Date | null, heartbeatSeconds: number, now = new Date()): boolean {
  return lastHeartbeatAt !== null && now.getTime() - lastHeartbeatAt.getTime() < 3 * heartbeatSeconds * 1000;
}

export interface IssuedEnrolmentToken {
  id: string;
  /** The raw token: returned once, only its SHA-256 is stored. */
  token: string;
  clientId: string;
  expiresAt: Date;
  requiresApproval: boolean;
}

/** No enrolment token lives longer than this, whatever was asked for. */
export const MAX_ENROLMENT_TOKEN_SECONDS = 7 * 24 * 3600;

/** What the copy worker needs of a client's agent before a backup. */
export interface BackupAgent {
  id: string;
  callbackUrl: string;
  journalEpoch: string | null;
  lastHeartbeatAt: Date | null;
}

/**
 * Agents as administrators and the copy worker see them: enrolment tokens, approval, revocation,
 * the agent a backup talks to, and the change journal the copy worker reads.
 */
@Injectable()
export class AgentAdminRepository {
  private readonly agents: Repository<Agent>;
  private readonly tokens: Repository<EnrolmentToken>;
  private readonly journal: Repository<ChangeJournalEntry>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.agents = dataSource.getRepository(Agent);
    this.tokens = dataSource.getRepository(EnrolmentToken);
    this.journal = dataSource.getRepository(ChangeJournalEntry);
  }

  static hashToken(token: string): Buffer {
    return createHash('sha256').update(token).digest();
  }

  async issueEnrolmentToken(clientId: string, ttlSeconds: number, createdBy: string | null, now = new Date(), requiresApproval = false): Promise<IssuedEnrolmentToken> {
    const token = randomBytes(24).toString('base64url');
    const expiresAt = new Date(now.getTime() + Math.min(ttlSeconds, MAX_ENROLMENT_TOKEN_SECONDS) * 1000);
    const row = await this.tokens.save(this.tokens.create({ tokenHash: AgentAdminRepository.hashToken(token), clientId, createdBy, expiresAt, usedAt: null, requiresApproval }));
    return { id: row.id, token, clientId, expiresAt, requiresApproval };
  }

  /** Tokens newest first (their hashes are of no use to anyone and are left out). */
  listEnrolmentTokens(clientId?: string): Promise<EnrolmentToken[]> {
    return this.tokens.find({
      where: clientId ? { clientId } : {},
      order: { createdAt: 'DESC' },
      select: { id: true, clientId: true, createdBy: true, createdAt: true, expiresAt: true, usedAt: true, requiresApproval: true },
      take: 500,
    });
  }

  /** Revokes a token that has not been used: it can no longer enrol anything. */
  async revokeEnrolmentToken(id: string): Promise<'revoked' | 'used' | 'missing'> {
    const token = await this.tokens.findOneBy({ id });
    if (!token) return 'missing';
    if (token.usedAt !== null) return 'used';
    await this.tokens.delete({ id, usedAt: IsNull() });
    return 'revoked';
  }

  list(): Promise<Agent[]> {
    return this.agents.find({ order: { enrolledAt: 'ASC' } });
  }

  /** Last heartbeat of each approved agent bound to a client. */
  async approvedHeartbeats(): Promise<{ clientId: string; lastHeartbeatAt: Date | null }[]> {
    const agents = await this.agents.find({ select: { clientId: true, lastHeartbeatAt: true }, where: { status: 'approved', clientId: Not(IsNull()) } });
    return agents.map((a) => ({ clientId: a.clientId!, lastHeartbeatAt: a.lastHeartbeatAt }));
  }

  findById(id: string): Promise<Agent | null> {
    return this.agents.findOneBy({ id });
  }

  /** Approves (or re-binds) an agent to a client; a revoked agent stays revoked. */
  async approve(id: string, clientId: string): Promise<boolean> {
    const result = await this.agents
      .createQueryBuilder()
      .update()
      .set({ status: 'approved' satisfies AgentStatus, clientId })
      .where('id = :id AND status <> :revoked', { id, revoked: 'revoked' })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.agents.update({ id }, { status: 'revoked', journalEpoch: null });
    return (result.affected ?? 0) > 0;
  }

  /** The approved agent of a client with a callback endpoint, the most recently heard one first. */
  async findForBackup(clientId: string): Promise<BackupAgent | null> {
    const row = await this.agents
      .createQueryBuilder('a')
      .where('a.client_id = :clientId AND a.status = :approved AND a.callback_url IS NOT NULL AND a.callback_url <> :empty', { clientId, approved: 'approved', empty: '' })
      .orderBy('a.last_heartbeat_at', 'DESC', 'NULLS LAST')
      .getOne();
    if (!row?.callbackUrl) return null;
    return { id: row.id, callbackUrl: row.callbackUrl, journalEpoch: row.journalEpoch, lastHeartbeatAt: row.lastHeartbeatAt };
  }

  /** Distinct paths the agent reported for a share in one journal epoch, at or after `since`. */
  async changedPaths(shareId: string, epoch: string, since: Date): Promise<string[]> {
    const rows = await this.journal
      .createQueryBuilder('j')
      .select('DISTINCT j.path', 'path')
      .where('j.share_id = :shareId AND j.epoch = :epoch AND j.created_at >= :since', { shareId, epoch, since })
      .getRawMany<{ path: string }>();
    return rows.map((r) => r.path);
  }
}
