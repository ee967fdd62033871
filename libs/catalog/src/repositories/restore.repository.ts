import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { ACTIVE_RESTORE_STATES, Restore, type RestorePolicy, type RestoreState } from '../entities/restore.entity.js';
import { RestoreLogLine } from '../entities/restore-log-line.entity.js';
import type { NewLogLine } from './backup-run.repository.js';

export interface NewRestore {
  clientId: string;
  seq: number;
  asOf: Date | null;
  paths: string[];
  target: { clientId: string; shareId: string; path: string } | null;
  policy: RestorePolicy;
  mirror: boolean;
  verifyReadBack: boolean;
  requestedBy: string;
}

export interface RestoreCounters {
  restored: number;
  skipped: number;
  renamed: number;
  failed: number;
  removed: number;
  bytes: number;
}

export type FinalRestoreState = Extract<RestoreState, 'succeeded' | 'partial' | 'failed' | 'cancelled'>;

/** The restores table and its log lines: every transition of a restore's life goes through here. */
@Injectable()
export class RestoreRepository {
  private readonly restores: Repository<Restore>;
  private readonly lines: Repository<RestoreLogLine>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.restores = dataSource.getRepository(Restore);
    this.lines = dataSource.getRepository(RestoreLogLine);
  }

  /** The newest complete (not partial), unexpired snapshot finished at or before `at`. */
  async newestGoodSnapshotAt(clientId: string, at: Date): Promise<number | null> {
    const rows = (await this.dataSource.query(
      `SELECT seq FROM snapshots WHERE client_id = $1 AND expired_at IS NULL AND NOT partial AND completed_at <= $2 ORDER BY seq DESC LIMIT 1`,
      [clientId, at],
    )) as { seq: number }[];
    return rows[0]?.seq ?? null;
  }

  /**
   * Records a queued restore, or null when the snapshot is not (or no longer) in the catalog. The
   * snapshot row is share-locked meanwhile, so a prune expiring it concurrently either waits and
   * then sees the restore, or commits first and this insert sees the snapshot expired.
   */
  async create(input: NewRestore): Promise<Restore | null> {
    return this.dataSource.transaction(async (manager) => {
      const held = (await manager.query(`SELECT id FROM snapshots WHERE client_id = $1 AND seq = $2 AND expired_at IS NULL FOR SHARE`, [input.clientId, input.seq])) as unknown[];
      if (held.length === 0) return null;
      const repo = manager.getRepository(Restore);
      return repo.save(
        repo.create({
          clientId: input.clientId,
          seq: input.seq,
          asOf: input.asOf,
          paths: input.paths,
          targetClientId: input.target?.clientId ?? null,
          targetShareId: input.target?.shareId ?? null,
          targetPath: input.target?.path ?? '',
          policy: input.policy,
          mirror: input.mirror,
          verifyReadBack: input.verifyReadBack,
          requestedBy: input.requestedBy,
          state: 'queued',
        }),
      );
    });
  }

  findById(id: string): Promise<Restore | null> {
    return this.restores.findOneBy({ id });
  }

  /** Newest first; restores of one client's snapshots when clientId is given. */
  async list(query: { clientId?: string; limit: number; offset: number }): Promise<{ items: Restore[]; total: number }> {
    const [items, total] = await this.restores.findAndCount({
      where: query.clientId ? { clientId: query.clientId } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      take: query.limit,
      skip: query.offset,
    });
    return { items, total };
  }

  /**
   * Cancels a queued restore at once; a running one is flagged and its worker ends it `cancelled`
   * within seconds. Null when the restore does not exist; a finished one is returned unchanged.
   */
  async requestCancel(id: string): Promise<Restore | null> {
    await this.restores
      .createQueryBuilder()
      .update()
      .set({
        cancelRequestedAt: () => 'COALESCE(cancel_requested_at, now())',
        state: () => `CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END`,
        finishedAt: () => `CASE WHEN state = 'queued' THEN now() ELSE finished_at END`,
      })
      .where('id = :id AND state IN (:...states)', { id, states: ACTIVE_RESTORE_STATES })
      .execute();
    return this.findById(id);
  }

  async cancelRequested(id: string): Promise<boolean> {
    const row = await this.restores.findOne({ select: { id: true, cancelRequestedAt: true }, where: { id } });
    return row?.cancelRequestedAt != null;
  }

  /**
   * A worker starts (or, after a crash, resumes) the restore. Null when it was cancelled or
   * finished meanwhile: the job then has nothing to do.
   */
  async markRunning(id: string): Promise<Restore | null> {
    const result = await this.restores
      .createQueryBuilder()
      .update()
      .set({ state: 'running', startedAt: () => 'COALESCE(started_at, now())', error: null, attempts: () => 'attempts + 1' })
      .where('id = :id AND state IN (:...states) AND cancel_requested_at IS NULL', { id, states: ACTIVE_RESTORE_STATES })
      .execute();
    return (result.affected ?? 0) > 0 ? this.findById(id) : null;
  }

  async setTotals(id: string, filesTotal: number, bytesTotal: number): Promise<void> {
    await this.restores.update({ id }, { filesTotal, bytesTotal: String(bytesTotal) });
  }

  async saveCounters(id: string, counters: RestoreCounters): Promise<void> {
    await this.restores.update({ id }, this.counterColumns(counters));
  }

  /** Back to the queue after a transient fault: BullMQ retries the job. */
  async requeue(id: string, error: string): Promise<void> {
    await this.restores.update({ id, state: 'running' }, { state: 'queued', error });
  }

  async finish(id: string, state: FinalRestoreState, outcome: { counters?: RestoreCounters; error?: string | null }): Promise<void> {
    await this.restores.update(
      { id },
      { state, error: outcome.error ?? null, finishedAt: new Date(), ...(outcome.counters ? this.counterColumns(outcome.counters) : {}) },
    );
  }

  async appendLog(restoreId: string, lines: readonly NewLogLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.lines.insert(lines.map((line) => ({ restoreId, level: line.level, message: line.message, path: line.path ?? null, at: line.at ?? new Date() })));
  }

  /** Log lines in order, after the given id (exclusive). */
  logLines(restoreId: string, afterId: string | undefined, limit: number): Promise<RestoreLogLine[]> {
    const qb = this.lines.createQueryBuilder('l').where('l.restoreId = :restoreId', { restoreId });
    if (afterId !== undefined) qb.andWhere('l.id > :afterId', { afterId });
    return qb.orderBy('l.id', 'ASC').limit(limit).getMany();
  }

  private counterColumns(c: RestoreCounters): Partial<Restore> {
    return { restored: c.restored, skipped: c.skipped, renamed: c.renamed, failed: c.failed, removed: c.removed, bytes: String(c.bytes) };
  }
}
