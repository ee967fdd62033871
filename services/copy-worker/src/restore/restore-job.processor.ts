import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobHandlersOf, JobName, OnJob, QueueName, REDIS, type RestoreJobPayload } from '@backtrac/queue';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions } from '../backup/copy-worker.tokens.js';
import { CLIENT_BUSY_DELAY_MS } from '../backup/queue-outcome.js';
import { RestoreBusyError, RestoreFailedPermanentlyError, RestoreInterruptedError, RestoreRunService } from './restore-run.service.js';

/**
 * The `restore` queue's transport: hands jobs to RestoreRunService and maps its outcome onto
 * BullMQ (wait for the client's lock, retry with backoff, give up, hand over on shutdown).
 */
@Injectable()
export class RestoreJobProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RestoreJobProcessor.name);
  private worker: Worker<RestoreJobPayload> | undefined;
  private readonly running = new Set<AbortController>();
  private readonly handlers = new Map(jobHandlersOf(this).map((h) => [h.name as string, h.handler]));

  constructor(
    private readonly restores: RestoreRunService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(COPY_WORKER_OPTIONS) private readonly options: CopyWorkerOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker<RestoreJobPayload>(QueueName.Restore, (job, token) => this.dispatch(job, token), {
      connection: this.redis.duplicate(),
      prefix: this.options.redisPrefix,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockSeconds * 1000,
      stalledInterval: (this.options.lockSeconds * 1000) / 2,
      maxStalledCount: 3,
    });
    this.worker.on('error', (error) => this.logger.error(`restore worker: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    const closing = this.worker.close();
    for (const controller of this.running) controller.abort();
    await closing;
  }

  private async dispatch(job: Job<RestoreJobPayload>, token: string | undefined): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new UnrecoverableError(`the restore queue has no handler for ${job.name}`);
    await handler(job, token);
  }

  @OnJob(JobName.Restore)
  async restore(job: Job<RestoreJobPayload>, token: string | undefined): Promise<void> {
    const controller = new AbortController();
    this.running.add(controller);
    try {
      await this.restores.run({ jobId: job.id!, restoreId: job.data.restoreId, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1, signal: controller.signal });
    } catch (error) {
      if (error instanceof RestoreBusyError || error instanceof RestoreInterruptedError) {
        // Not a failed attempt: wait for the client (or let another worker take over).
        await job.moveToDelayed(Date.now() + (error instanceof RestoreBusyError ? CLIENT_BUSY_DELAY_MS : 0), token);
        throw new DelayedError();
      }
      const message = error instanceof Error ? error.message : String(error);
      throw error instanceof RestoreFailedPermanentlyError ? new UnrecoverableError(message) : new Error(message, { cause: error });
    } finally {
      this.running.delete(controller);
    }
  }
}
