import { Inject, Injectable, Optional } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { type BackupJobPayload, JobName, backupJobId } from '../jobs.js';
import { QueueName } from '../queue-names.js';
import { queueToken } from '../queue-tokens.js';

/**
 * A failed attempt is retried with exponential backoff (30 s, 60 s, 120 s): rides out a share
 * that is rebooting or a network blip. What retrying cannot fix gives up at once (the worker
 * throws UnrecoverableError).
 */
export const BACKUP_ATTEMPTS = 4;
export const BACKUP_BACKOFF_DELAY_MS = 30_000;

/**
 * Replaces BACKUP_BACKOFF_DELAY_MS where waiting for minutes is pointless (tests); the attempts,
 * the backoff's shape and everything else stay as in production.
 */
export const BACKUP_BACKOFF_DELAY = Symbol('BACKUP_BACKOFF_DELAY');

// Finished jobs are kept so a re-enqueue of the same deterministic id stores nothing rather than
// starting a second run; failed ones longer, for the scheduler's retry within the window.
const KEEP_COMPLETED_S = 7 * 86_400;
const KEEP_FAILED_S = 30 * 86_400;

export interface EnqueuedBackup {
  jobId: string;
  /** False when a job with this id already existed (another scheduler, a double click). */
  created: boolean;
}

/** The only producer of the `backup` queue: id, attempts, backoff, retention and priority. */
@Injectable()
export class BackupJobProducer {
  private readonly backoffDelayMs: number;

  constructor(
    @Inject(queueToken(QueueName.Backup)) readonly queue: Queue<BackupJobPayload>,
    @Optional() @Inject(BACKUP_BACKOFF_DELAY) backoffDelayMs?: number,
  ) {
    this.backoffDelayMs = backoffDelayMs ?? BACKUP_BACKOFF_DELAY_MS;
  }

  /** The options every backup job is stored with. */
  jobOptions(payload: BackupJobPayload, priority?: number): JobsOptions {
    return {
      jobId: backupJobId(payload.clientId, payload.slot),
      attempts: BACKUP_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.backoffDelayMs },
      removeOnComplete: { age: KEEP_COMPLETED_S },
      removeOnFail: { age: KEEP_FAILED_S },
      ...(priority !== undefined && { priority }),
    };
  }

  /**
   * Adds the backup of `payload.clientId` at `payload.slot` under its deterministic id. `priority`
   * orders waiting jobs (lower runs first).
   */
  async enqueue(payload: BackupJobPayload, options: { priority?: number } = {}): Promise<EnqueuedBackup> {
    const jobOptions = this.jobOptions(payload, options.priority);
    const jobId = jobOptions.jobId!;
    // add is atomic: when the id is taken (in any state) it stores nothing, yet still returns a Job
    // built from our arguments, so the stored data tells whose run won.
    await this.queue.add(JobName.Backup, payload, jobOptions);
    const stored = await this.queue.getJob(jobId);
    return { jobId, created: stored?.data.runId === payload.runId };
  }
}
