import type { BackupJobPayload, FailureCode } from '@backtrac/queue';
import type { StatFsNumbers } from '../health/disk-guard.js';
import type { ClientScheduleState, ScheduleSpec } from '../schedule/slot-decision.js';

/** Why a client cannot be backed up right now, as far as the catalog knows. */
export type BlockedReason = 'agent-offline' | 'share-unreachable';

/** One client under one schedule, with what the tick needs to know about it. */
export interface ScheduledClient {
  schedule: ScheduleSpec;
  client: ClientScheduleState & { siteId: string; blocked: BlockedReason | null };
}

/** The catalog side of the tick (Postgres in production, a fake in unit tests). */
export interface SchedulerSource {
  listScheduled(now: Date): Promise<ScheduledClient[]>;
  /**
   * Records a queued scheduled run, idempotent on the job id: a second call for the same job id
   * (another scheduler, a retry after a crash) returns the existing run.
   */
  recordQueued(run: { clientId: string; jobId: string; slot: Date; full: boolean }): Promise<{ runId: string; created: boolean }>;
}

export interface FailedBackup {
  jobId: string;
  clientId: string;
  attemptsMade: number;
  failedAt: Date;
  code: FailureCode;
  message: string;
}

/** The BullMQ `backup` queue, as the scheduler uses it. */
export interface BackupQueue {
  /** Client ids with a backup waiting, delayed, prioritised or running. */
  inFlightClientIds(): Promise<string[]>;
  /**
   * Adds the job under its deterministic id (client + slot) unless a job with that id exists (in
   * any state); true when this call created it.
   */
  enqueue(payload: BackupJobPayload, priority: number): Promise<boolean>;
  /** Failed backups whose failure has one of these codes. */
  listFailed(codes: readonly FailureCode[]): Promise<FailedBackup[]>;
  /** Moves a failed job back to waiting (same id, so still at most one per slot). */
  retry(jobId: string): Promise<void>;
}

export interface RetryRecord {
  attempts: number;
  nextAt: string | null;
  gaveUp: boolean;
  reason: BlockedReason;
}

/** Small shared state in Redis: the tick lease and retry bookkeeping for blocked clients. */
export interface SchedulerState {
  tryLock(holder: string, ttlMs: number): Promise<boolean>;
  unlock(holder: string): Promise<void>;
  getRetry(jobId: string): Promise<RetryRecord | null>;
  setRetry(jobId: string, record: RetryRecord, ttlMs: number): Promise<void>;
}

export interface StoreDisk {
  statfs(): Promise<StatFsNumbers>;
}
