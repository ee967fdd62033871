import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { BackupRun, type RunKind, type RunState, type RunTrigger, type WalkMode } from '../entities/backup-run.entity.js';
import { type LogLevel, RunLogLine } from '../entities/run-log-line.entity.js';

/** Every state a run can be in, in the order a run moves through them. */
export const RUN_STATES: readonly RunState[] = ['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled'];
/** States in which a run still occupies its client: a second run is refused meanwhile. */
export const ACTIVE_RUN_STATES: readonly RunState[] = ['queued', 'running'];
/** A good run backed up everything it could read (a partial one skipped unreadable files). */
export const GOOD_RUN_STATES: readonly RunState[] = ['succeeded', 'partial'];
/** States a run ends in; only a retry moves it back to queued. */
export const FINISHED_RUN_STATES: readonly RunState[] = ['succeeded', 'partial', 'failed', 'cancelled'];

export const isActiveRun = (state: RunState): boolean => ACTIVE_RUN_STATES.includes(state);
export const isGoodRun = (state: RunState): boolean => GOOD_RUN_STATES.includes(state);

export interface RunCounters {
  filesNew: number;
  filesChanged: number;
  filesUnchanged: number;
  filesSkipped: number;
  filesDeleted: number;
  bytesRead: number;
  bytesStoredNew: number;
  bytesTotal: number;
}

export interface NewLogLine {
  level: LogLevel;
  message: string;
  path?: string | null;
  at?: Date;
}

export interface RunListQuery {
  clientId?: string;
  state?: RunState;
  limit: number;
  /** Keyset cursor: only runs queued before this run (by queued_at, then id). */
  before?: string;
}

export type BackupRunWithClient = BackupRun & { clientName: string };

export interface StoreGrowthPoint {
  runId: string;
  clientId: string;
  clientName: string;
  seq: number | null;
  finishedAt: Date;
  state: RunState;
  /** Size of every file in the snapshot (what a plain copy would need). */
  bytesTotal: number;
  /** Bytes the pool did not have before this run. */
  bytesStoredNew: number;
  bytesRead: number;
  /** Sum of bytesStoredNew over this run and every finished run before it. */
  storedCumulative: number;
}

/** What the scheduler needs of a client's runs. */
export interface ClientRunStats {
  clientId: string;
  lastGoodAt: Date | null;
  lastFullAt: Date | null;
  /** Job id of the newest scheduled run (its slot is the last one handled). */
  lastScheduledJobId: string | null;
}

/** A client's latest outcome, for alerts and the daily digest. */
export interface ClientRunOutcome {
  clientId: string;
  lastGoodAt: Date | null;
  /** State of the newest finished run (cancelled ones aside); null: never finished one. */
  lastState: 'succeeded' | 'partial' | 'failed' | null;
}

export interface FinishedRunLine {
  clientName: string;
  state: RunState;
  finishedAt: Date | null;
  bytesStoredNew: number;
}

/** A run as alerts judge it: its counters and the size of the snapshot before it. */
export type RunWithPrevious = BackupRunWithClient & { previousFiles: number | null };

/**
 * The owner of backup_runs and run_log_lines: the run states, what counts as a good or an active
 * run, and every transition (queued by the api, the scheduler or an agent request; running,
 * finished or back to queued for a retry by the copy worker).
 */
@Injectable()
export class BackupRunRepository {
  private readonly runs: Repository<BackupRun>;
  private readonly lines: Repository<RunLogLine>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.runs = dataSource.getRepository(BackupRun);
    this.lines = dataSource.getRepository(RunLogLine);
  }

  // --- transitions ---

  /**
   * Records a queued run unless the client already has an active one. A transaction-scoped
   * advisory lock on the client makes the check and the insert atomic against a double click.
   */
  async createIfIdle(run: { clientId: string; jobId: string; kind: RunKind; trigger: RunTrigger }): Promise<{ run: BackupRun } | { busy: BackupRun }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`backup-run:${run.clientId}`]);
      const busy = await manager
        .getRepository(BackupRun)
        .createQueryBuilder('r')
        .where('r.clientId = :clientId AND r.state IN (:...states)', { clientId: run.clientId, states: ACTIVE_RUN_STATES })
        .orderBy('r.queuedAt', 'DESC')
        .getOne();
      if (busy) return { busy };
      const repo = manager.getRepository(BackupRun);
      return { run: await repo.save(repo.create({ ...run, state: 'queued' })) };
    });
  }

  /**
   * The queued run of a job, created unless a run with this job id exists (the unique job id is
   * the catalog's guard against a doubled run: a second scheduler, a retry after a crash).
   */
  async recordQueued(run: { id?: string; clientId: string; jobId: string; kind: RunKind; trigger: RunTrigger }): Promise<{ run: BackupRun; created: boolean }> {
    const inserted = await this.runs.createQueryBuilder().insert().values({ ...run, state: 'queued' }).orIgnore().returning('id').execute();
    const created = (inserted.raw as unknown[]).length > 0;
    return { run: await this.runs.findOneByOrFail({ jobId: run.jobId }), created };
  }

  /** The run for a job: the row its enqueuer created (by id), or the one for its job id. */
  async ensure(run: { id?: string; jobId: string; clientId: string; kind: RunKind; trigger: RunTrigger }): Promise<BackupRun> {
    if (run.id) {
      const existing = await this.runs.findOneBy({ id: run.id });
      if (existing) return existing;
    }
    return (await this.recordQueued(run)).run;
  }

  /** `kind` is what the run turned out to be (a first backup is full whatever was asked). */
  async markRunning(id: string, seq: number, kind: RunKind): Promise<void> {
    await this.runs
      .createQueryBuilder()
      .update()
      .set({ state: 'running', seq, kind, startedAt: () => 'now()', finishedAt: null, error: null, attempts: () => 'attempts + 1' })
      .where({ id })
      .execute();
  }

  async setMode(id: string, mode: WalkMode): Promise<void> {
    await this.runs.update({ id }, { mode });
  }

  /** Ends an attempt: a final state, or `queued` again when BullMQ will retry it. */
  async finish(id: string, state: Exclude<RunState, 'running'>, outcome: { counters?: RunCounters; error?: string | null }): Promise<void> {
    const counters = outcome.counters;
    await this.runs.update(
      { id },
      {
        state,
        error: outcome.error ?? null,
        finishedAt: state === 'queued' ? null : new Date(),
        ...(counters && {
          filesNew: counters.filesNew,
          filesChanged: counters.filesChanged,
          filesUnchanged: counters.filesUnchanged,
          filesSkipped: counters.filesSkipped,
          filesDeleted: counters.filesDeleted,
          bytesRead: String(counters.bytesRead),
          bytesStoredNew: String(counters.bytesStoredNew),
          bytesTotal: String(counters.bytesTotal),
        }),
      },
    );
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.finish(id, 'failed', { error });
  }

  async appendLog(runId: string, lines: readonly NewLogLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.lines.insert(lines.map((line) => ({ runId, level: line.level, message: line.message, path: line.path ?? null, at: line.at ?? new Date() })));
  }

  // --- reads ---

  async findById(id: string): Promise<BackupRunWithClient | null> {
    const rows = await this.withClientName().where('r.id = :id', { id }).getRawAndEntities();
    const run = rows.entities[0];
    return run ? { ...run, clientName: String((rows.raw[0] as { client_name: string }).client_name) } : null;
  }

  findByJobId(jobId: string): Promise<BackupRun | null> {
    return this.runs.findOneBy({ jobId });
  }

  /** The client's newest active run, if any. */
  findActive(clientId: string): Promise<BackupRun | null> {
    return this.runs
      .createQueryBuilder('r')
      .where('r.clientId = :clientId AND r.state IN (:...states)', { clientId, states: ACTIVE_RUN_STATES })
      .orderBy('r.queuedAt', 'DESC')
      .getOne();
  }

  /** A run of this client by run id or job id; another client's run is not found. */
  findForClient(clientId: string, id: string): Promise<BackupRun | null> {
    const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
    return this.runs.findOne({ where: byId ? [{ clientId, id }, { clientId, jobId: id }] : { clientId, jobId: id } });
  }

  /** Newest first; pass the last id back as `before` for the next page. */
  async list(query: RunListQuery): Promise<BackupRunWithClient[]> {
    const qb = this.withClientName();
    if (query.clientId) qb.andWhere('r.clientId = :clientId', { clientId: query.clientId });
    if (query.state) qb.andWhere('r.state = :state', { state: query.state });
    if (query.before) {
      qb.andWhere('(r.queued_at, r.id) < (SELECT b.queued_at, b.id FROM backup_runs b WHERE b.id = :before)', { before: query.before });
    }
    qb.orderBy('r.queuedAt', 'DESC').addOrderBy('r.id', 'DESC').limit(query.limit);
    const { entities, raw } = await qb.getRawAndEntities();
    const names = new Map((raw as { r_id: string; client_name: string }[]).map((row) => [row.r_id, row.client_name]));
    return entities.map((run) => ({ ...run, clientName: names.get(run.id) ?? '' }));
  }

  /** Log lines in order, after the given id (exclusive). */
  logLines(runId: string, afterId: string | undefined, limit: number): Promise<RunLogLine[]> {
    const qb = this.lines.createQueryBuilder('l').where('l.runId = :runId', { runId });
    if (afterId !== undefined) qb.andWhere('l.id > :afterId', { afterId });
    return qb.orderBy('l.id', 'ASC').limit(limit).getMany();
  }

  /**
   * The latest good runs, oldest first: logical size against new bytes stored, and the running
   * total of bytes stored over every run before (the store's growth).
   */
  async storeGrowth(limit: number): Promise<StoreGrowthPoint[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM (
         SELECT r.id, r.client_id, c.name AS client_name, r.seq, r.finished_at, r.state,
                r.bytes_total, r.bytes_stored_new, r.bytes_read,
                sum(r.bytes_stored_new) OVER (ORDER BY r.finished_at, r.id) AS stored_cumulative
           FROM backup_runs r JOIN clients c ON c.id = r.client_id
          WHERE r.state = ANY($2) AND r.finished_at IS NOT NULL
          ORDER BY r.finished_at DESC, r.id DESC
          LIMIT $1) recent
        ORDER BY finished_at ASC, id ASC`,
      [limit, GOOD_RUN_STATES],
    )) as Record<string, unknown>[];
    return rows.map((row) => ({
      runId: String(row.id),
      clientId: String(row.client_id),
      clientName: String(row.client_name),
      seq: row.seq === null ? null : Number(row.seq),
      finishedAt: new Date(row.finished_at as string | Date),
      state: row.state as RunState,
      bytesTotal: Number(row.bytes_total),
      bytesStoredNew: Number(row.bytes_stored_new),
      bytesRead: Number(row.bytes_read),
      storedCumulative: Number(row.stored_cumulative),
    }));
  }

  /**
   * Per client with runs: the last good run, the last good full one and the newest scheduled job
   * id. Job ids of one client sort by slot (fixed-width stamps), so the greatest is the last slot.
   */
  async clientRunStats(): Promise<ClientRunStats[]> {
    const rows = (await this.dataSource.query(
      `SELECT r.client_id,
              max(r.finished_at) FILTER (WHERE r.state = ANY($1)) AS last_good,
              max(r.finished_at) FILTER (WHERE r.state = ANY($1) AND r.kind = 'full') AS last_full,
              max(r.job_id) FILTER (WHERE r.trigger = 'schedule') AS last_job
         FROM backup_runs r GROUP BY r.client_id`,
      [GOOD_RUN_STATES],
    )) as { client_id: string; last_good: Date | null; last_full: Date | null; last_job: string | null }[];
    return rows.map((r) => ({ clientId: r.client_id, lastGoodAt: date(r.last_good), lastFullAt: date(r.last_full), lastScheduledJobId: r.last_job }));
  }

  /** Every client's last good run and latest outcome (clients that never ran are absent). */
  async clientOutcomes(): Promise<ClientRunOutcome[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT ON (r.client_id) r.client_id, r.state,
              (SELECT max(g.finished_at) FROM backup_runs g WHERE g.client_id = r.client_id AND g.state = ANY($1)) AS last_good
         FROM backup_runs r
        WHERE r.state = ANY($2)
        ORDER BY r.client_id, r.finished_at DESC NULLS LAST`,
      [GOOD_RUN_STATES, [...GOOD_RUN_STATES, 'failed']],
    )) as { client_id: string; state: ClientRunOutcome['lastState']; last_good: Date | null }[];
    return rows.map((r) => ({ clientId: r.client_id, lastGoodAt: date(r.last_good), lastState: r.state }));
  }

  /** Runs finished since `since`, oldest first. */
  async finishedSince(since: Date): Promise<FinishedRunLine[]> {
    const rows = (await this.dataSource.query(
      `SELECT c.name, r.state, r.finished_at, r.bytes_stored_new FROM backup_runs r JOIN clients c ON c.id = r.client_id
        WHERE r.finished_at >= $1 ORDER BY r.finished_at`,
      [since],
    )) as { name: string; state: RunState; finished_at: Date | null; bytes_stored_new: string }[];
    return rows.map((r) => ({ clientName: r.name, state: r.state, finishedAt: date(r.finished_at), bytesStoredNew: Number(r.bytes_stored_new) }));
  }

  /** The run of a job, with the file count of the snapshot before the one it wrote. */
  async findByJobIdWithPrevious(jobId: string): Promise<RunWithPrevious | null> {
    const rows = await this.withClientName()
      .addSelect(
        `(SELECT s.file_count FROM snapshots s WHERE s.client_id = r.client_id AND r.seq IS NOT NULL AND s.seq < r.seq ORDER BY s.seq DESC LIMIT 1)`,
        'previous_files',
      )
      .where('r.jobId = :jobId', { jobId })
      .getRawAndEntities();
    const run = rows.entities[0];
    if (!run) return null;
    const raw = rows.raw[0] as { client_name: string; previous_files: number | string | null };
    return { ...run, clientName: String(raw.client_name), previousFiles: raw.previous_files === null ? null : Number(raw.previous_files) };
  }

  private withClientName() {
    return this.runs.createQueryBuilder('r').innerJoin('clients', 'c', 'c.id = r.client_id').addSelect('c.name', 'client_name');
  }
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));
