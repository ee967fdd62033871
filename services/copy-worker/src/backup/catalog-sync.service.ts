import { Inject, Injectable, Logger } from '@nestjs/common';
import { type RunCounters, BackupRunRepository, SnapshotCatalogRepository } from '@backtrac/catalog';
import type { HardlinkStore, ManifestEntry, SnapshotMeta } from '@backtrac/store';
import { STORE } from './copy-worker.tokens.js';
import { diffManifests } from './manifest-diff.js';

async function* nothing(): AsyncGenerator<ManifestEntry> {}

const countersFrom = (meta: SnapshotMeta): RunCounters => {
  const s = meta.stats ?? {};
  return {
    filesNew: s.filesNew ?? 0, filesChanged: s.filesChanged ?? 0, filesUnchanged: s.filesUnchanged ?? 0, filesSkipped: s.filesSkipped ?? 0,
    filesDeleted: s.filesDeleted ?? 0, bytesRead: s.bytesRead ?? 0, bytesStoredNew: s.bytesStoredNew ?? 0, bytesTotal: s.bytesTotal ?? s.bytes ?? 0,
  };
};

/**
 * Keeps the catalog in step with the store. The store is the truth: a finished snapshot's
 * manifest, diffed against the previous one, gives exactly the file-version rows to write. The
 * same diff serves a normal run, the recovery after a crash between the store's commit and the
 * catalog's, and a full catalog rebuild.
 */
@Injectable()
export class CatalogSyncService {
  private readonly logger = new Logger(CatalogSyncService.name);

  constructor(
    @Inject(STORE) private readonly store: HardlinkStore,
    private readonly snapshots: SnapshotCatalogRepository,
    private readonly runs: BackupRunRepository,
  ) {}

  /** Records one finished snapshot; `inTransaction` runs in the same transaction (run state). */
  async recordSnapshot(clientId: string, seq: number, runId: string | null, kind: 'full' | 'incremental', partial: boolean, inTransaction?: () => Promise<void>): Promise<void> {
    const previous = await this.snapshots.latestSeq(clientId);
    const meta = await this.store.readSnapshotMeta(clientId, seq);
    const changes = diffManifests(previous === null ? nothing() : this.store.readManifest(clientId, previous), this.store.readManifest(clientId, seq));
    const counters = countersFrom(meta);
    await this.snapshots.recordSnapshot(
      {
        clientId, seq, runId, kind, partial,
        fileCount: meta.stats?.files ?? meta.entries,
        totalBytes: counters.bytesTotal,
        createdAt: new Date(meta.startedAt),
        completedAt: new Date(meta.finishedAt),
      },
      changes,
      inTransaction && (() => inTransaction()),
    );
  }

  /**
   * Catalogues finished snapshots the catalog does not know yet (a crash after the store's commit)
   * and drops half-written rows of unfinished ones. Returns the outcome when one of them was
   * written by `jobId` itself (`mine`), so that job need not run again.
   */
  async reconcile(clientId: string, jobId: string): Promise<{ catalogued: number; mine: { partial: boolean; counters: RunCounters } | null }> {
    const known = (await this.snapshots.latestSeq(clientId)) ?? 0;
    await this.snapshots.discardAfter(clientId, known);
    let mine: { partial: boolean; counters: RunCounters } | null = null;
    let catalogued = 0;
    for (const ref of await this.store.listSnapshots(clientId)) {
      if (ref.partial || ref.seq <= known) continue;
      const meta = await this.store.readSnapshotMeta(clientId, ref.seq);
      const partial = meta.outcome === 'partial';
      const run = await this.runs.findByJobId(meta.jobId);
      await this.recordSnapshot(clientId, ref.seq, run?.id ?? null, run?.kind ?? 'incremental', partial, async () => {
        if (run) await this.runs.finish(run.id, partial ? 'partial' : 'succeeded', { counters: countersFrom(meta) });
      });
      catalogued++;
      if (meta.jobId === jobId) mine = { partial, counters: countersFrom(meta) };
      else if (jobId !== '') this.logger.warn(`catalogued snapshot ${ref.seq} of client ${clientId} left by an interrupted job ${meta.jobId}`);
    }
    return { catalogued, mine };
  }
}
