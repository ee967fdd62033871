import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull, MoreThan, type Repository } from 'typeorm';
import { Agent, type AgentStatus } from '../entities/agent.entity.js';
import { Client } from '../entities/client.entity.js';
import { EnrolmentToken } from '../entities/enrolment-token.entity.js';
import { MAX_ENROLMENT_TOKEN_SECONDS } from './agent-admin.repository.js';

export interface NewAgent {
  clientId: string | null;
  hostname: string;
  os: string;
  version: string;
  callbackUrl: string | null;
  secretHash: string;
  status: AgentStatus;
  lastAddress: string | null;
}

export interface HeartbeatUpdate {
  at: Date;
  address: string | null;
  version?: string;
  callbackUrl?: string | null;
}

/** Agents and enrolment tokens as the agent gateway needs them: enrolment, heartbeats, journal epochs. */
@Injectable()
export class AgentRepository {
  private readonly agents: Repository<Agent>;
  private readonly tokens: Repository<EnrolmentToken>;
  private readonly clients: Repository<Client>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.agents = dataSource.getRepository(Agent);
    this.tokens = dataSource.getRepository(EnrolmentToken);
    this.clients = dataSource.getRepository(Client);
  }

  findById(id: string): Promise<Agent | null> {
    return this.agents.findOneBy({ id });
  }

  async create(values: NewAgent): Promise<Agent> {
    return this.agents.save(this.agents.create(values));
  }

  async recordHeartbeat(id: string, update: HeartbeatUpdate): Promise<void> {
    const changes: Partial<Agent> = { lastHeartbeatAt: update.at, lastAddress: update.address };
    if (update.version !== undefined) changes.version = update.version;
    if (update.callbackUrl !== undefined) changes.callbackUrl = update.callbackUrl;
    await this.agents.update({ id }, changes);
  }

  /** One UPDATE for many agents' heartbeat time and address (the steady-state heartbeat path). */
  async recordHeartbeats(beats: ReadonlyArray<{ id: string; at: Date; address: string | null }>): Promise<void> {
    if (beats.length === 0) return;
    const values: string[] = [];
    const params: unknown[] = [];
    for (const b of beats) {
      params.push(b.id, b.at, b.address);
      const n = params.length;
      values.push(`($${n - 2}::uuid, $${n - 1}::timestamptz, $${n}::text)`);
    }
    await this.dataSource.query(
      `UPDATE agents AS a SET last_heartbeat_at = GREATEST(a.last_heartbeat_at, v.at), last_address = v.address
       FROM (VALUES ${values.join(', ')}) AS v(id, at, address) WHERE a.id = v.id`,
      params,
    );
  }

  async setJournalEpoch(id: string, epoch: string | null): Promise<void> {
    await this.agents.update({ id }, { journalEpoch: epoch });
  }

  /**
   * Marks an unused, unexpired token as used and returns it, atomically: of two agents racing with
   * the same token exactly one gets it.
   */
  async claimToken(tokenHash: Buffer, now: Date): Promise<EnrolmentToken | null> {
    const result = await this.tokens
      .createQueryBuilder()
      .update(EnrolmentToken)
      .set({ usedAt: now })
      // Tokens issued before lifetimes were capped may say they expire later: 7 days is the limit.
      .where({ tokenHash, usedAt: IsNull(), expiresAt: MoreThan(now), createdAt: MoreThan(new Date(now.getTime() - MAX_ENROLMENT_TOKEN_SECONDS * 1000)) })
      .returning(['id', 'clientId'])
      .execute();
    const row = (result.raw as Array<{ id: string; client_id: string | null }>)[0];
    if (!row) return null;
    return this.tokens.findOneBy({ id: row.id });
  }

  /** Creates a client named after the host, suffixed when the name is taken. */
  async createClientForHost(hostname: string): Promise<Client> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const name = attempt === 0 ? hostname : `${hostname}-${randomBytes(3).toString('hex')}`;
      const inserted = await this.clients
        .createQueryBuilder()
        .insert()
        .values({ name, hostname })
        .orIgnore()
        .returning(['id'])
        .execute();
      const row = (inserted.raw as Array<{ id: string }>)[0];
      if (row) return (await this.clients.findOneBy({ id: row.id })) as Client;
    }
    throw new Error(`could not find a free client name for ${hostname}`);
  }

  findClient(id: string): Promise<Client | null> {
    return this.clients.findOneBy({ id });
  }
}
