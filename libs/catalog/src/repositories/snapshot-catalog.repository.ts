import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EntryType } from '../entities/file-version.entity.js';
import { Snapshot } from '../entities/snapshot.entity.js';

/** One entry of a snapshot as the catalog stores it. */
export interface CatalogEntry {
  parent: string;
  name: string;
  type: EntryType;
  size: number;
  mtime: number;
  mode: number;
  sha256: string | null;
  linkTarget: string | null;
}

/** What changed between a client's previous snapshot and the new one. */
export type CatalogChange = { kind: 'added'; entry: CatalogEntry } | { kind: 'removed'; parent: string; name: string } | { kind: 'changed'; entry: CatalogEntry };

export interface NewSnapshot {
  clientId: string;
  seq: number;
  runId: string | null;
  kind: 'full' | 'incremental';
  partial: boolean;
  fileCount: number;
  totalBytes: number;
  createdAt: Date;
  completedAt: Date;
}

const BATCH = 1000;

/**
 * Snapshots and interval-encoded file versions. A change set is applied in one transaction with
 * the snapshot row, so the catalog shows a snapshot either with all of its versions or not at all.
 */
@Injectable()
export class SnapshotCatalogRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async latestSeq(clientId: string): Promise<number | null> {
    const [row] = await this.dataSource.query('SELECT max(seq) AS seq FROM snapshots WHERE client_id = $1', [clientId]);
    return row?.seq ?? null;
  }

  /**
   * Undoes file-version writes for snapshots newer than `seq` that never got their snapshot row
   * (a crash between the two). Interval rows for finished snapshots are left as they are.
   */
  async discardAfter(clientId: string, seq: number): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('DELETE FROM file_versions WHERE client_id = $1 AND first_seq > $2', [clientId, seq]);
      await manager.query('UPDATE file_versions SET last_seq = NULL WHERE client_id = $1 AND last_seq > $2', [clientId, seq]);
    });
  }

  /** Records a finished snapshot and its changes; `afterCommit` runs inside the same transaction. */
  async recordSnapshot(
    snapshot: NewSnapshot,
    changes: AsyncIterable<CatalogChange>,
    inTransaction?: (manager: EntityManager) => Promise<void>,
  ): Promise<{ inserted: number; closed: number }> {
    return this.dataSource.transaction(async (manager) => {
      const counts = { inserted: 0, closed: 0 };
      let batch: CatalogChange[] = [];
      for await (const change of changes) {
        batch.push(change);
        if (batch.length >= BATCH) {
          await this.applyBatch(manager, snapshot.clientId, snapshot.seq, batch, counts);
          batch = [];
        }
      }
      await this.applyBatch(manager, snapshot.clientId, snapshot.seq, batch, counts);
      await manager.getRepository(Snapshot).insert({ ...snapshot, totalBytes: String(snapshot.totalBytes) });
      await inTransaction?.(manager);
      return counts;
    });
  }

  private async applyBatch(manager: EntityManager, clientId: string, seq: number, batch: CatalogChange[], counts: { inserted: number; closed: number }): Promise<void> {
    if (batch.length === 0) return;
    const closing = batch.filter((change) => change.kind !== 'added').map((change) => ('entry' in change ? change.entry : change));
    if (closing.length > 0) {
      const result: [unknown[], number] = await manager.query(
        `UPDATE file_versions f SET last_seq = $2
           FROM unnest($3::text[], $4::text[]) AS c(parent, name)
          WHERE f.client_id = $1 AND f.parent = c.parent AND f.name = c.name AND f.last_seq IS NULL`,
        [clientId, seq, closing.map((c) => c.parent), closing.map((c) => c.name)],
      );
      counts.closed += result[1];
    }
    const opening = batch.filter((change) => change.kind !== 'removed').map((change) => (change as { entry: CatalogEntry }).entry);
    if (opening.length > 0) {
      await manager.query(
        `INSERT INTO file_versions (client_id, parent, name, type, size, mtime, mode, sha256, link_target, first_seq)
         SELECT $1, parent, name, type, size, to_timestamp(mtime / 1000.0), mode, sha256, link_target, $2
           FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::float8[], $8::int[], $9::text[], $10::text[])
             AS e(parent, name, type, size, mtime, mode, sha256, link_target)`,
        [
          clientId, seq,
          opening.map((e) => e.parent), opening.map((e) => e.name), opening.map((e) => e.type), opening.map((e) => e.size),
          opening.map((e) => e.mtime), opening.map((e) => e.mode), opening.map((e) => e.sha256), opening.map((e) => e.linkTarget),
        ],
      );
      counts.inserted += opening.length;
    }
  }
}
