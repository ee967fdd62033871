import { randomUUID } from 'node:crypto';
import { type BackupJobPayload, backupJobId, type FailureCode } from '@backtrac/queue';
import type { BackupQueue, FailedBackup, RetryRecord, ScheduledClient, SchedulerSource, SchedulerState } from './scheduler.ports.js';

/**
 * In-memory stand-ins for the catalog and Redis state, for tests. The source behaves like the
 * catalog: recordQueued is idempotent on the job id and moves the client's lastSlot.
 */
export class InMemorySchedulerSource implements SchedulerSource {
  readonly runs = new Map<string, { runId: string; clientId: string; slot: Date; full: boolean }>();
  constructor(public items: ScheduledClient[]) {}

  async listScheduled(): Promise<ScheduledClient[]> {
    return this.items.map((i) => ({ schedule: i.schedule, client: { ...i.client } }));
  }

  async recordQueued(run: { clientId: string; jobId: string; slot: Date; full: boolean }): Promise<{ runId: string; created: boolean }> {
    const existing = this.runs.get(run.jobId);
    if (existing) return { runId: existing.runId, created: false };
    const runId = randomUUID();
    this.runs.set(run.jobId, { runId, clientId: run.clientId, slot: run.slot, full: run.full });
    for (const i of this.items) {
      if (i.client.clientId === run.clientId && (!i.client.lastSlot || i.client.lastSlot < run.slot)) i.client.lastSlot = run.slot;
    }
    return { runId, created: true };
  }
}

export class InMemorySchedulerState implements SchedulerState {
  private lock: { holder: string; until: number } | null = null;
  readonly retries = new Map<string, RetryRecord>();
  constructor(private readonly clock: () => Date = () => new Date()) {}

  async tryLock(holder: string, ttlMs: number): Promise<boolean> {
    const now = this.clock().getTime();
    if (this.lock && this.lock.until > now && this.lock.holder !== holder) return false;
    this.lock = { holder, until: now + ttlMs };
    return true;
  }
  async unlock(holder: string): Promise<void> {
    if (this.lock?.holder === holder) this.lock = null;
  }
  async getRetry(jobId: string): Promise<RetryRecord | null> {
    return this.retries.get(jobId) ?? null;
  }
  async setRetry(jobId: string, record: RetryRecord): Promise<void> {
    this.retries.set(jobId, record);
  }
}

export class InMemoryBackupQueue implements BackupQueue {
  readonly jobs = new Map<string, { payload: BackupJobPayload; priority: number; state: 'waiting' | 'active' | 'completed' | 'failed'; code?: FailureCode; message?: string; attemptsMade: number; failedAt?: Date }>();

  async inFlightClientIds(): Promise<string[]> {
    return [...new Set([...this.jobs.values()].filter((j) => j.state === 'waiting' || j.state === 'active').map((j) => j.payload.clientId))];
  }
  async enqueue(payload: BackupJobPayload, priority: number): Promise<boolean> {
    const jobId = backupJobId(payload.clientId, payload.slot);
    if (this.jobs.has(jobId)) return false;
    this.jobs.set(jobId, { payload, priority, state: 'waiting', attemptsMade: 0 });
    return true;
  }
  async listFailed(codes: readonly FailureCode[]): Promise<FailedBackup[]> {
    return [...this.jobs.entries()]
      .filter(([, j]) => j.state === 'failed' && j.code !== undefined && codes.includes(j.code))
      .map(([jobId, j]) => ({ jobId, clientId: j.payload.clientId, attemptsMade: j.attemptsMade, failedAt: j.failedAt!, code: j.code!, message: j.message ?? '' }));
  }
  async retry(jobId: string): Promise<void> {
    const j = this.jobs.get(jobId);
    if (j?.state === 'failed') j.state = 'waiting';
  }
}
