import type { DataSource } from 'typeorm';
import type { FinishedRun } from './run-alerts.js';
import type { RunLookup } from './run-alerts.listener.js';

/** A run and the size of the snapshot before it (SQL: to move into libs/catalog). */
export class RunLookupRepository implements RunLookup {
  constructor(private readonly db: DataSource) {}

  async findByJobId(jobId: string): Promise<Omit<FinishedRun, 'willRetry'> | null> {
    const rows = (await this.db.query(
      `SELECT r.id, r.job_id, r.client_id, c.name, r.state, r.error, r.attempts, r.files_new, r.files_changed, r.files_deleted,
              (SELECT s.file_count FROM snapshots s
                WHERE s.client_id = r.client_id AND r.seq IS NOT NULL AND s.seq < r.seq ORDER BY s.seq DESC LIMIT 1) AS previous_files
         FROM backup_runs r JOIN clients c ON c.id = r.client_id WHERE r.job_id = $1`,
      [jobId],
    )) as Record<string, unknown>[];
    const r = rows[0];
    if (!r) return null;
    const state = String(r.state);
    return {
      runId: String(r.id),
      jobId: String(r.job_id),
      clientId: String(r.client_id),
      clientName: String(r.name),
      // A job BullMQ reports completed whose row is not final yet counts as succeeded.
      state: state === 'partial' || state === 'failed' || state === 'cancelled' ? state : 'succeeded',
      error: (r.error as string | null) ?? null,
      attempts: Math.max(1, Number(r.attempts)),
      previousFiles: r.previous_files === null ? null : Number(r.previous_files),
      modified: Number(r.files_changed),
      deleted: Number(r.files_deleted),
      added: Number(r.files_new),
    };
  }
}
