import { Inject, Injectable } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobName, OnJob, QueueName, REDIS, type RestoreJobPayload } from '@backtrac/queue';
import { ClientJobWorker } from '../backup/client-job.worker.js';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions } from '../backup/copy-worker.tokens.js';
import { CLIENT_BUSY_DELAY_MS } from '../backup/queue-outcome.js';
import { RestoreBusyError, RestoreFailedPermanentlyError, RestoreInterruptedError, RestoreRunService } from './restore-run.service.js';

/**
 * The `restore` queue's transport: hands jobs to RestoreRunService and maps its outcome onto
 * BullMQ (wait for the client's lock, retry with backoff, give up, hand over on shutdown).
 */
@Injectable()
export class RestoreJobProcessor extends ClientJobWorker<RestoreJobPayload> {
  constructor(
    private readonly restores: RestoreRunService,
    @Inject(REDIS) redis: Redis,
    @Inject(COPY_WORKER_OPTIONS) options: CopyWorkerOptions,
  ) {
    super(QueueName.Restore, redis, options);
  }

  @OnJob(JobName.Restore)
  async restore(job: Job<RestoreJobPayload>, token: string | undefined): Promise<void> {
    try {
      await this.interruptible((signal) => this.restores.run({ jobId: job.id!, restoreId: job.data.restoreId, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1, signal }));
    } catch (error) {
      if (error instanceof RestoreBusyError || error instanceof RestoreInterruptedError) {
        // Not a failed attempt: wait for the client (or let another worker take over).
        await job.moveToDelayed(Date.now() + (error instanceof RestoreBusyError ? CLIENT_BUSY_DELAY_MS : 0), token);
        throw new DelayedError();
      }
      const message = error instanceof Error ? error.message : String(error);
      throw error instanceof RestoreFailedPermanentlyError ? new UnrecoverableError(message) : new Error(message, { cause: error });
    }
  }
}
