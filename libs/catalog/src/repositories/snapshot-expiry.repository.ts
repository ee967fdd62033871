import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type ExpireRefusal = 'missing' | 'already-expired' | 'pinned' | 'newest' | 'newest-good' | 'restoring';

export type ExpireResult =
  | { expired: true; clientId: string; seq: number; fileVersionsRemoved: number }
  | { expired: false; clientId: string | null; seq: number | null; refused: ExpireRefusal };

/**
 * The catalog half of prune. Expiring a snapshot and dropping the file versions that no unexpired
 * snapshot shows any more happen in one transaction; the store half (moving the directory to
 * trash) follows, and `expiredSeqs` lets a repeated prune finish it after a crash in between.
 */
@Injectable()
export class SnapshotExpiryRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Marks a snapshot expired unless it is pinned, already expired, the client's newest snapshot
   * or its newest good one; the guards are checked here, under row locks, whatever the plan said.
   */
  async expire(snapshotId: string, now = new Date()): Promise<ExpireResult> {
    return this.dataSource.transaction(async (manager) => {
      const [target] = (await manager.query('SELECT client_id FROM snapshots WHERE id = $1', [snapshotId])) as { client_id: string }[];
      if (!target) return { expired: false, clientId: null, seq: null, refused: 'missing' };
      // Lock every snapshot row of the client: a concurrent pin or a new snapshot waits for us.
      const rows = (await manager.query(
        'SELECT id, seq, partial, pinned, expired_at FROM snapshots WHERE client_id = $1 ORDER BY seq FOR UPDATE',
        [target.client_id],
      )) as { id: string; seq: number; partial: boolean; pinned: boolean; expired_at: Date | null }[];
      const row = rows.find((r) => r.id === snapshotId);
      if (!row) return { expired: false, clientId: target.client_id, seq: null, refused: 'missing' };
      const live = rows.filter((r) => r.expired_at === null);
      const refused: ExpireRefusal | null =
        row.expired_at !== null ? 'already-expired'
        : row.pinned ? 'pinned'
        : live.at(-1)?.id === row.id ? 'newest'
        : live.filter((r) => !r.partial).at(-1)?.id === row.id ? 'newest-good'
        : null;
      if (refused) return { expired: false, clientId: target.client_id, seq: row.seq, refused };
      // A queued or running restore reads this snapshot; it is expired by a later prune.
      const restoring = (await manager.query(`SELECT 1 FROM restores WHERE client_id = $1 AND seq = $2 AND state IN ('queued', 'running') LIMIT 1`, [target.client_id, row.seq])) as unknown[];
      if (restoring.length > 0) return { expired: false, clientId: target.client_id, seq: row.seq, refused: 'restoring' };

      await manager.query('UPDATE snapshots SET expired_at = $2 WHERE id = $1', [snapshotId, now]);
      // Only versions present in this snapshot can lose their last unexpired snapshot. The others
      // keep their intervals: presence in a seq is "first_seq <= seq < last_seq", whatever expired.
      const [, removed] = (await manager.query(
        `DELETE FROM file_versions f
          WHERE f.client_id = $1 AND f.first_seq <= $2 AND (f.last_seq IS NULL OR f.last_seq > $2)
            AND NOT EXISTS (
              SELECT 1 FROM snapshots s
               WHERE s.client_id = $1 AND s.expired_at IS NULL
                 AND s.seq >= f.first_seq AND (f.last_seq IS NULL OR s.seq < f.last_seq))`,
        [target.client_id, row.seq],
      )) as [unknown, number];
      return { expired: true, clientId: target.client_id, seq: row.seq, fileVersionsRemoved: removed };
    });
  }

  /** Every snapshot of a client, expired or not, by id. */
  async snapshotSeqs(clientId: string): Promise<{ id: string; seq: number }[]> {
    return (await this.dataSource.query('SELECT id, seq FROM snapshots WHERE client_id = $1 ORDER BY seq', [clientId])) as { id: string; seq: number }[];
  }

  /** Sequences of a client's expired snapshots (their store directories should be in trash). */
  async expiredSeqs(clientId: string): Promise<number[]> {
    const rows = (await this.dataSource.query('SELECT seq FROM snapshots WHERE client_id = $1 AND expired_at IS NOT NULL ORDER BY seq', [clientId])) as { seq: number }[];
    return rows.map((r) => r.seq);
  }
}
