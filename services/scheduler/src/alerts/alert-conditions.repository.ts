import { AgentAdminRepository, BackupRunRepository, ClientRepository } from '@backtrac/catalog';
import type { DataSource } from 'typeorm';
import type { AgentHeartbeat, ClientBackupStatus } from '@backtrac/alerts';
import type { AlertConditionSource } from './alert-monitor.service.js';

/** The standing conditions the alert monitor checks, read through the catalog's repositories. */
export class AlertConditionsRepository implements AlertConditionSource {
  private readonly clients: ClientRepository;
  private readonly runs: BackupRunRepository;
  private readonly agents: AgentAdminRepository;

  constructor(db: DataSource) {
    this.clients = new ClientRepository(db);
    this.runs = new BackupRunRepository(db);
    this.agents = new AgentAdminRepository(db);
  }

  async clientStatuses(): Promise<ClientBackupStatus[]> {
    const [clients, outcomes] = await Promise.all([this.clients.list({ name: 'ASC' }), this.runs.clientOutcomes()]);
    const lastGood = new Map(outcomes.map((o) => [o.clientId, o.lastGoodAt]));
    return clients.map((c) => ({
      clientId: c.id,
      clientName: c.name,
      enabled: c.enabled,
      createdAt: c.createdAt,
      lastGoodAt: lastGood.get(c.id) ?? null,
      notBackedUpDays: c.notBackedUpDays,
    }));
  }

  async agentHeartbeats(): Promise<AgentHeartbeat[]> {
    const [agents, clients] = await Promise.all([this.agents.list(), this.clients.list({ name: 'ASC' })]);
    const names = new Map(clients.map((c) => [c.id, c.name]));
    return agents
      .map((a) => ({
        agentId: a.id,
        hostname: a.hostname,
        clientName: a.clientId ? (names.get(a.clientId) ?? null) : null,
        approved: a.status === 'approved',
        enrolledAt: a.enrolledAt,
        lastHeartbeatAt: a.lastHeartbeatAt,
      }))
      .sort((x, y) => (x.hostname < y.hostname ? -1 : x.hostname > y.hostname ? 1 : 0));
  }
}
