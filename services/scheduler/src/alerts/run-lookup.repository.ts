import { BackupRunRepository } from '@backtrac/catalog';
import type { DataSource } from 'typeorm';
import type { FinishedRun } from './run-alerts.js';
import type { RunLookup } from './run-alerts.listener.js';

/** A finished job's run and the size of the snapshot before it, as run alerts judge them. */
export class RunLookupRepository implements RunLookup {
  private readonly runs: BackupRunRepository;

  constructor(db: DataSource) {
    this.runs = new BackupRunRepository(db);
  }

  async findByJobId(jobId: string): Promise<Omit<FinishedRun, 'willRetry'> | null> {
    const run = await this.runs.findByJobIdWithPrevious(jobId);
    if (!run) return null;
    const state = run.state;
    return {
      runId: run.id,
      jobId: run.jobId,
      clientId: run.clientId,
      clientName: run.clientName,
      // A job BullMQ reports completed whose row is not final yet counts as succeeded.
      state: state === 'partial' || state === 'failed' || state === 'cancelled' ? state : 'succeeded',
      error: run.error,
      attempts: Math.max(1, run.attempts),
      previousFiles: run.previousFiles,
      modified: run.filesChanged,
      deleted: run.filesDeleted,
      added: run.filesNew,
    };
  }
}
