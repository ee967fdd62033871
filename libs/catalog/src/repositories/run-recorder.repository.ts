import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { BackupRun, type RunKind, type RunState, type RunTrigger, type WalkMode } from '../entities/backup-run.entity.js';
import { type LogLevel, RunLogLine } from '../entities/run-log-line.entity.js';

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

/** The copy worker's writes to backup_runs and run_log_lines. */
@Injectable()
export class RunRecorderRepository {
  private readonly runs: Repository<BackupRun>;
  private readonly lines: Repository<RunLogLine>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.runs = dataSource.getRepository(BackupRun);
    this.lines = dataSource.getRepository(RunLogLine);
  }

  findById(id: string): Promise<BackupRun | null> {
    return this.runs.findOneBy({ id });
  }

  findByJobId(jobId: string): Promise<BackupRun | null> {
    return this.runs.findOneBy({ jobId });
  }

  /** The run for a job: the row its enqueuer created, or a new one (ON CONFLICT keeps one per job id). */
  async ensure(run: { id?: string; jobId: string; clientId: string; kind: RunKind; trigger: RunTrigger }): Promise<BackupRun> {
    if (run.id) {
      const existing = await this.runs.findOneBy({ id: run.id });
      if (existing) return existing;
    }
    await this.runs.createQueryBuilder().insert().values({ ...run, state: 'queued' }).orIgnore().execute();
    return this.runs.findOneByOrFail({ jobId: run.jobId });
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

  async appendLog(runId: string, lines: readonly NewLogLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.lines.insert(lines.map((line) => ({ runId, level: line.level, message: line.message, path: line.path ?? null, at: line.at ?? new Date() })));
  }
}
