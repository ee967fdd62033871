import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type BackupJobPayload, jobFailureError, jobHandlersOf, JobName, OnJob, QueueName, REDIS } from '@backtrac/queue';
import { BackupRunService } from './backup-run.service.js';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions } from './copy-worker.tokens.js';
import { queueOutcome } from './queue-outcome.js';

/**
 * The `backup` queue's transport: takes jobs, hands them to BackupRunService and maps its outcome
 * onto BullMQ (retry with backoff, give up, wait for the client's lock, hand over on shutdown).
 */
@Injectable()
export class BackupJobProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BackupJobProcessor.name);
  private worker: Worker<BackupJobPayload> | undefined;
  private readonly running = new Set<AbortController>();
  private readonly handlers = new Map(jobHandlersOf(this).map((h) => [h.name as string, h.handler]));

  constructor(
    private readonly backups: BackupRunService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(COPY_WORKER_OPTIONS) private readonly options: CopyWorkerOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker<BackupJobPayload>(QueueName.Backup, (job, token) => this.dispatch(job, token), {
      connection: this.redis.duplicate(),
      prefix: this.options.redisPrefix,
      concurrency: this.options.concurrency,
      // A killed worker's jobs go back to the queue within about this long (BullMQ's stalled check).
      lockDuration: this.options.lockSeconds * 1000,
      stalledInterval: (this.options.lockSeconds * 1000) / 2,
      maxStalledCount: 3,
    });
    this.worker.on('error', (error) => this.logger.error(`backup worker: ${error.message}`));
  }

  /** Stops taking jobs, interrupts the running ones so another worker resumes them, then closes. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    const closing = this.worker.close();
    for (const controller of this.running) controller.abort();
    await closing;
  }

  private async dispatch(job: Job<BackupJobPayload>, token: string | undefined): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new UnrecoverableError(`the backup queue has no handler for ${job.name}`);
    await handler(job, token);
  }

  @OnJob(JobName.Backup)
  async backup(job: Job<BackupJobPayload>, token: string | undefined): Promise<void> {
    const controller = new AbortController();
    this.running.add(controller);
    try {
      await this.backups.run({
        jobId: job.id!,
        payload: job.data,
        attempt: job.attemptsMade + 1,
        // BullMQ stores 0 when a job was added without `attempts`: that still means one attempt.
        maxAttempts: Math.max(1, job.opts.attempts ?? 1),
        signal: controller.signal,
        reportProgress: (progress) => void job.updateProgress({ filesDone: progress.filesDone, bytesDone: progress.bytesDone }).catch(() => undefined),
      });
    } catch (error) {
      const outcome = queueOutcome(error);
      if (outcome.action === 'wait') {
        // Not a failed attempt: wait (or let another worker take over) without using up a retry.
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError();
      }
      throw jobFailureError(outcome.failure, { retry: outcome.action === 'retry' });
    } finally {
      this.running.delete(controller);
    }
  }
}
