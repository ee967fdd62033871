import { AgentAdminRepository, BackupRunRepository, ClientRepository, ScheduleRepository } from '@backtrac/catalog';
import type { DataSource } from 'typeorm';
import type { ScheduledClient, SchedulerSource } from './scheduler.ports.js';
import { assignSchedules } from './schedule-assignment.js';

/**
 * The scheduler's view of the catalog, read and written through the catalog's repositories:
 * enabled schedules and clients, each client's run history (BackupRunRepository, which owns what
 * a good run is) and its agent's last heartbeat.
 */
export class SchedulerCatalogRepository implements SchedulerSource {
  private readonly schedules: ScheduleRepository;
  private readonly clients: ClientRepository;
  private readonly runs: BackupRunRepository;
  private readonly agents: AgentAdminRepository;

  constructor(
    db: DataSource,
    private readonly agentOfflineAfterMs = 10 * 60_000,
  ) {
    this.schedules = new ScheduleRepository(db);
    this.clients = new ClientRepository(db);
    this.runs = new BackupRunRepository(db);
    this.agents = new AgentAdminRepository(db);
  }

  async listScheduled(now: Date): Promise<ScheduledClient[]> {
    const [schedules, clients, stats, agents] = await Promise.all([
      this.schedules.listEnabled(),
      this.clients.listEnabled(),
      this.runs.clientRunStats(),
      this.agents.approvedHeartbeats(),
    ]);
    return assignSchedules(
      schedules.map((s) => ({
        id: s.id,
        clientId: s.clientId,
        cron: s.cron,
        timezone: s.timezone,
        windowStart: s.windowStart,
        windowEnd: s.windowEnd,
        blackouts: s.blackouts ?? [],
        fullEveryDays: s.fullEveryDays,
        jitterSeconds: s.jitterSeconds,
        createdAt: s.createdAt,
      })),
      clients.map((c) => ({ id: c.id, site: c.site, createdAt: c.createdAt })),
      stats,
      agents,
      now,
      this.agentOfflineAfterMs,
    );
  }

  async recordQueued(run: { clientId: string; jobId: string; slot: Date; full: boolean }): Promise<{ runId: string; created: boolean }> {
    const { run: queued, created } = await this.runs.recordQueued({ clientId: run.clientId, jobId: run.jobId, kind: run.full ? 'full' : 'incremental', trigger: 'schedule' });
    return { runId: queued.id, created };
  }
}
