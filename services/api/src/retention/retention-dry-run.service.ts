import { Injectable, NotFoundException } from '@nestjs/common';
import { ClientRepository, RetentionCatalogRepository, RetentionPolicyRepository, SnapshotExpiryRepository } from '@backtrac/catalog';
import { RetentionService, type SnapshotInfo } from '@backtrac/retention';
import type { DryRunSnapshotDto, RetentionDryRunDto } from './retention-dry-run.dto.js';

/** "What would this policy delete for this client now?", computed by the planner prune uses. */
@Injectable()
export class RetentionDryRunService {
  constructor(
    private readonly source: RetentionCatalogRepository,
    private readonly retention: RetentionService,
    private readonly policies: RetentionPolicyRepository,
    private readonly clients: ClientRepository,
    private readonly snapshots: SnapshotExpiryRepository,
  ) {}

  async dryRun(policyId: string, clientId: string, now = new Date()): Promise<RetentionDryRunDto> {
    const policy = await this.policies.findById(policyId);
    if (!policy) throw new NotFoundException(`retention policy ${policyId} does not exist`);
    if (!(await this.clients.findById(clientId))) throw new NotFoundException(`client ${clientId} does not exist`);
    const [effective] = await this.source.listClientPolicies(clientId);
    const timeZone = effective?.policy?.timeZone ?? 'UTC';
    const plan = await this.retention.preview({ ...policy, timeZone }, clientId, now);
    const seqs = new Map((await this.snapshots.snapshotSeqs(clientId)).map((s) => [s.id, s.seq]));
    const view = (s: SnapshotInfo): DryRunSnapshotDto => ({ snapshotId: s.id, seq: seqs.get(s.id) ?? -1, takenAt: s.takenAt, good: s.good, pinned: s.pinned });
    return {
      policyId,
      clientId,
      timeZone,
      evaluatedAt: now,
      keep: plan.keep.map((k) => ({ ...view(k.snapshot), reasons: k.reasons.map((r) => ({ ...r })) })),
      delete: plan.delete.map((d) => ({ ...view(d.snapshot), reason: d.reason })),
    };
  }
}
