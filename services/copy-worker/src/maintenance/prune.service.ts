import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditLogRepository, type ExpireRefusal, SnapshotExpiryRepository } from '@backtrac/catalog';
import type { PruneJobPayload } from '@backtrac/queue';
import { RetentionService } from '@backtrac/retention';
import { type HardlinkStore, StoreError } from '@backtrac/store';
import { ClientLockRepository } from '../backup/client-lock.repository.js';
import { STORE } from '../backup/copy-worker.tokens.js';

export interface ClientPruneReport {
  clientId: string;
  policy: string | null;
  kept: number[];
  /** Expired in the catalog and moved to trash by this run (or, in a dry run, that would be). */
  deleted: number[];
  /** Planned for deletion but refused by the catalog's guards (pinned meanwhile, newest...). */
  refused: { seq: number | null; reason: ExpireRefusal }[];
  /** Expired by an earlier, interrupted prune whose store half this run finished. */
  resumed: number[];
  fileVersionsRemoved: number;
  /** The client was busy (a backup holds its lock); it is pruned next time. */
  skipped?: 'busy';
}

export interface PruneReport {
  dryRun: boolean;
  clients: ClientPruneReport[];
}

/**
 * Carries out retention (the `prune` maintenance job). The plan is computed here, at run time,
 * by the same planner the dry run uses (libs/retention), so a pin or a backup made after the job was enqueued is
 * respected. Per snapshot: expire it in the catalog (one transaction, with the file versions it
 * alone held), then move it to trash. Repeating a half-done prune is safe: expired snapshots still
 * in the store are moved first, and the catalog refuses to expire anything twice.
 */
@Injectable()
export class PruneService {
  private readonly logger = new Logger(PruneService.name);

  constructor(
    @Inject(STORE) private readonly store: HardlinkStore,
    private readonly retention: RetentionService,
    private readonly expiry: SnapshotExpiryRepository,
    private readonly locks: ClientLockRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  async prune(payload: PruneJobPayload, now = new Date()): Promise<PruneReport> {
    const dryRun = payload.dryRun === true;
    const report: PruneReport = { dryRun, clients: [] };
    for (const client of await this.retention.plan(now, payload.clientId)) {
      const seqs = new Map<string, number>();
      const out: ClientPruneReport = {
        clientId: client.clientId,
        policy: client.policy?.name ?? null,
        kept: [],
        deleted: [],
        refused: [],
        resumed: [],
        fileVersionsRemoved: 0,
      };
      report.clients.push(out);
      for (const s of await this.expiry.snapshotSeqs(client.clientId)) seqs.set(s.id, s.seq);
      out.kept = client.plan.keep.map((k) => seqs.get(k.snapshot.id)!).sort((a, b) => a - b);
      if (dryRun) {
        out.deleted = client.plan.delete.map((d) => seqs.get(d.snapshot.id)!).sort((a, b) => a - b);
        continue;
      }
      const lock = await this.locks.tryAcquire(client.clientId);
      if (!lock) {
        out.skipped = 'busy';
        continue;
      }
      try {
        out.resumed = await this.finishExpired(client.clientId);
        for (const { snapshot } of client.plan.delete) {
          lock.lost.throwIfAborted();
          const result = await this.expiry.expire(snapshot.id, now);
          if (!result.expired) {
            out.refused.push({ seq: result.seq, reason: result.refused });
            continue;
          }
          await this.trash(client.clientId, result.seq);
          out.deleted.push(result.seq);
          out.fileVersionsRemoved += result.fileVersionsRemoved;
        }
      } finally {
        await lock.release();
      }
      out.deleted.sort((a, b) => a - b);
      if (out.deleted.length > 0 || out.resumed.length > 0) {
        this.logger.log(`pruned client ${client.clientId}: snapshots ${[...out.resumed, ...out.deleted].join(', ')} moved to trash`);
        await this.audit.record({ actor: 'system', action: 'retention.prune', target: client.clientId, details: { ...out } });
      }
    }
    return report;
  }

  /** Moves to trash the expired snapshots an interrupted prune left in the store. */
  private async finishExpired(clientId: string): Promise<number[]> {
    const expired = new Set(await this.expiry.expiredSeqs(clientId));
    const leftovers = (await this.store.listSnapshots(clientId)).filter((s) => !s.partial && expired.has(s.seq)).map((s) => s.seq);
    for (const seq of leftovers) await this.trash(clientId, seq);
    return leftovers;
  }

  private async trash(clientId: string, seq: number): Promise<void> {
    try {
      await this.store.deleteSnapshot(clientId, seq);
    } catch (error) {
      // Already gone (a crash after the rename, or removed by hand): nothing left to do.
      if (!(error instanceof StoreError && error.code === 'SNAPSHOT_NOT_FOUND')) throw error;
    }
  }
}
