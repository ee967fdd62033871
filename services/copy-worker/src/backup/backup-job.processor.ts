import { Inject, Injectable } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { type BackupJobPayload, jobFailureError, JobName, OnJob, QueueName, REDIS } from '@backtrac/queue';
import { BackupRunService } from './backup-run.service.js';
import { ClientJobWorker } from './client-job.worker.js';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions } from './copy-worker.tokens.js';
import { queueOutcome } from './queue-outcome.js';

/**
 * The `backup` queue's transport: takes jobs, hands them to BackupRunService and maps its outcome
 * onto BullMQ (retry with backoff, give up, wait for the client's lock, hand over on shutdown).
 */
@Injectable()
export class BackupJobProcessor extends ClientJobWorker<BackupJobPayload> {
  constructor(
    private readonly backups: BackupRunService,
    @Inject(REDIS) redis: Redis,
    @Inject(COPY_WORKER_OPTIONS) options: CopyWorkerOptions,
  ) {
    super(QueueName.Backup, redis, options);
  }

  @OnJob(JobName.Backup)
  async backup(job: Job<BackupJobPayload>, token: string | undefined): Promise<void> {
    try {
      await this.interruptible((signal) => this.backups.run({
        jobId: job.id!,
        payload: job.data,
        attempt: job.attemptsMade + 1,
        // BullMQ stores 0 when a job was added without `attempts`: that still means one attempt.
        maxAttempts: Math.max(1, job.opts.attempts ?? 1),
        signal,
        reportProgress: (progress) => void job.updateProgress({ filesDone: progress.filesDone, bytesDone: progress.bytesDone }).catch(() => undefined),
      }));
    } catch (error) {
      const outcome = queueOutcome(error);
      if (outcome.action === 'wait') {
        // Not a failed attempt: wait (or let another worker take over) without using up a retry.
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError();
      }
      throw jobFailureError(outcome.failure, { retry: outcome.action === 'retry' });
    }
  }
}
