import type { DataSource } from 'typeorm';
import type { ScheduledClient, SchedulerSource } from './scheduler.ports.js';
import { type AgentRow, assignSchedules, type ClientRow, type ClientRunStats, type ScheduleRow } from './schedule-assignment.js';

/**
 * The scheduler's reads and writes in the catalog. It speaks SQL, so by the layering rule it
 * belongs in libs/catalog; it lives here until the lead moves it (tables from the initial
 * catalog migration). Within one client, job ids sort by slot (fixed-width stamps), so the
 * greatest scheduled job id is the last slot handled. "Good" = a run that finished succeeded or partial (a partial run backed up
 * everything it could read).
 */
export class SchedulerCatalogRepository implements SchedulerSource {
  constructor(
    private readonly db: DataSource,
    private readonly agentOfflineAfterMs = 10 * 60_000,
  ) {}

  async listScheduled(now: Date): Promise<ScheduledClient[]> {
    const [schedules, clients, stats, agents] = await Promise.all([
      this.db.query(
        `SELECT id, client_id, cron, timezone, window_start, window_end, blackouts, full_every_days, jitter_seconds, created_at
           FROM schedules WHERE enabled`,
      ) as Promise<Record<string, unknown>[]>,
      this.db.query(`SELECT id, site, created_at FROM clients WHERE enabled`) as Promise<Record<string, unknown>[]>,
      this.db.query(
        `SELECT c.client_id,
                max(c.finished_at) FILTER (WHERE c.state IN ('succeeded', 'partial')) AS last_good,
                max(c.finished_at) FILTER (WHERE c.state IN ('succeeded', 'partial') AND c.kind = 'full') AS last_full,
                (SELECT r.job_id FROM backup_runs r WHERE r.client_id = c.client_id AND r.trigger = 'schedule'
                  ORDER BY r.job_id DESC LIMIT 1) AS last_job
           FROM backup_runs c GROUP BY c.client_id`,
      ) as Promise<Record<string, unknown>[]>,
      this.db.query(`SELECT client_id, last_heartbeat_at FROM agents WHERE status = 'approved' AND client_id IS NOT NULL`) as Promise<
        Record<string, unknown>[]
      >,
    ]);
    const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string | Date));
    const scheduleRows: ScheduleRow[] = schedules.map((r) => ({
      id: String(r.id),
      clientId: (r.client_id as string | null) ?? null,
      cron: String(r.cron),
      timezone: String(r.timezone),
      windowStart: (r.window_start as string | null) ?? null,
      windowEnd: (r.window_end as string | null) ?? null,
      blackouts: (r.blackouts as ScheduleRow['blackouts']) ?? [],
      fullEveryDays: (r.full_every_days as number | null) ?? null,
      jitterSeconds: Number(r.jitter_seconds ?? 0),
      createdAt: date(r.created_at)!,
    }));
    const clientRows: ClientRow[] = clients.map((r) => ({ id: String(r.id), site: String(r.site), createdAt: date(r.created_at)! }));
    const statRows: ClientRunStats[] = stats.map((r) => ({
      clientId: String(r.client_id),
      lastGoodAt: date(r.last_good),
      lastFullAt: date(r.last_full),
      lastScheduledJobId: (r.last_job as string | null) ?? null,
    }));
    const agentRows: AgentRow[] = agents.map((r) => ({ clientId: String(r.client_id), lastHeartbeatAt: date(r.last_heartbeat_at) }));
    return assignSchedules(scheduleRows, clientRows, statRows, agentRows, now, this.agentOfflineAfterMs);
  }

  async recordQueued(run: { clientId: string; jobId: string; slot: Date; full: boolean }): Promise<{ runId: string; created: boolean }> {
    // The unique index on job_id makes this the catalog-side guard against a doubled run.
    const inserted = (await this.db.query(
      `INSERT INTO backup_runs (client_id, job_id, kind, trigger, state)
       VALUES ($1, $2, $3, 'schedule', 'queued')
       ON CONFLICT (job_id) DO NOTHING RETURNING id`,
      [run.clientId, run.jobId, run.full ? 'full' : 'incremental'],
    )) as { id: string }[];
    if (inserted[0]) return { runId: inserted[0].id, created: true };
    const existing = (await this.db.query(`SELECT id FROM backup_runs WHERE job_id = $1`, [run.jobId])) as { id: string }[];
    return { runId: existing[0]!.id, created: false };
  }
}
