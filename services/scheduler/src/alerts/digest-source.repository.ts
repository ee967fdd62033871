import type { DataSource } from 'typeorm';
import type { DigestClientLine } from '@backtrac/alerts';
import type { DigestRun } from './run-alerts.js';

/** Catalog reads for the daily digest (SQL: to move into libs/catalog with the other alert reads). */
export class DigestSourceRepository {
  constructor(private readonly db: DataSource) {}

  /** Runs finished since `since` (the digest picks its local day out of them). */
  async runsSince(since: Date): Promise<DigestRun[]> {
    const rows = (await this.db.query(
      `SELECT c.name, r.state, r.finished_at, r.bytes_stored_new FROM backup_runs r JOIN clients c ON c.id = r.client_id
        WHERE r.finished_at >= $1 ORDER BY r.finished_at`,
      [since],
    )) as { name: string; state: DigestRun['state']; finished_at: Date | null; bytes_stored_new: string }[];
    return rows.map((r) => ({ clientName: r.name, state: r.state, finishedAt: r.finished_at ? new Date(r.finished_at) : null, bytesStoredNew: Number(r.bytes_stored_new) }));
  }

  async clientLines(): Promise<DigestClientLine[]> {
    const rows = (await this.db.query(
      `SELECT c.name,
              (SELECT max(r.finished_at) FROM backup_runs r WHERE r.client_id = c.id AND r.state IN ('succeeded', 'partial')) AS last_good,
              (SELECT r.state FROM backup_runs r WHERE r.client_id = c.id AND r.state IN ('succeeded', 'partial', 'failed')
                ORDER BY r.finished_at DESC NULLS LAST LIMIT 1) AS last_state
         FROM clients c WHERE c.enabled ORDER BY c.name`,
    )) as { name: string; last_good: Date | null; last_state: DigestClientLine['lastState'] | null }[];
    return rows.map((r) => ({ clientName: r.name, lastGoodAt: r.last_good ? new Date(r.last_good) : null, lastState: r.last_state ?? 'never' }));
  }
}
