import { Inject, Injectable } from '@nestjs/common';
import { RetentionCatalogRepository } from '@backtrac/catalog';
import { planRetention, type RetentionPlan, type RetentionPolicy, type SnapshotInfo } from './retention-plan.js';

export interface ClientRetention {
  clientId: string;
  /** Null: no policy applies, nothing is ever deleted. */
  policy: (RetentionPolicy & { id: string; name: string }) | null;
}

/** Catalog reads for retention (RetentionCatalogRepository in production). */
export interface RetentionSource {
  listClientPolicies(clientId?: string): Promise<ClientRetention[]>;
  /** Snapshots not yet expired. */
  listSnapshots(clientId: string): Promise<SnapshotInfo[]>;
}

export interface ClientRetentionPlan extends ClientRetention {
  plan: RetentionPlan;
}

/**
 * Computes what each client's policy keeps and deletes. The dry-run endpoint shows the result;
 * the prune job (copy worker, the only writer of the store) applies the same plan.
 */
@Injectable()
export class RetentionService {
  constructor(@Inject(RetentionCatalogRepository) private readonly source: RetentionSource) {}

  async plan(now: Date, clientId?: string): Promise<ClientRetentionPlan[]> {
    const out: ClientRetentionPlan[] = [];
    for (const c of await this.source.listClientPolicies(clientId)) {
      const snapshots = await this.source.listSnapshots(c.clientId);
      const plan: RetentionPlan = c.policy
        ? planRetention(snapshots, c.policy, now)
        : { keep: [...snapshots].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime()).map((s) => ({ snapshot: s, reasons: [] })), delete: [] };
      out.push({ ...c, plan });
    }
    return out;
  }

  /** Same as plan, for a policy being edited (not saved yet): "what would this delete?". */
  async preview(policy: RetentionPolicy, clientId: string, now: Date): Promise<RetentionPlan> {
    return planRetention(await this.source.listSnapshots(clientId), policy, now);
  }
}
