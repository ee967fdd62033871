import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type JobHandler, jobHandlersOf, type QueueName } from '@backtrac/queue';
import type { CopyWorkerOptions } from './copy-worker.tokens.js';

/**
 * The BullMQ side of a queue whose jobs each work on one client (backup, restore): a worker with
 * the copy worker's concurrency and lock settings that hands each job to the subclass's @OnJob
 * handler, and a shutdown that stops taking jobs and interrupts the running ones so that another
 * worker resumes them.
 */
export abstract class ClientJobWorker<Payload> implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private worker: Worker<Payload> | undefined;
  private readonly running = new Set<AbortController>();
  private readonly handlers: Map<string, JobHandler>;

  protected constructor(
    private readonly queueName: QueueName,
    private readonly redis: Redis,
    private readonly options: CopyWorkerOptions,
  ) {
    this.handlers = new Map(jobHandlersOf(this).map((h) => [h.name as string, h.handler]));
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker<Payload>(this.queueName, (job, token) => this.dispatch(job, token), {
      connection: this.redis.duplicate(),
      prefix: this.options.redisPrefix,
      concurrency: this.options.concurrency,
      // A killed worker's jobs go back to the queue within about this long (BullMQ's stalled check).
      lockDuration: this.options.lockSeconds * 1000,
      stalledInterval: (this.options.lockSeconds * 1000) / 2,
      maxStalledCount: 3,
    });
    this.worker.on('error', (error) => this.logger.error(`${this.queueName} worker: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    const closing = this.worker.close();
    for (const controller of this.running) controller.abort();
    await closing;
  }

  /** Runs one job's work with a signal that shutdown aborts. */
  protected async interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.running.add(controller);
    try {
      return await work(controller.signal);
    } finally {
      this.running.delete(controller);
    }
  }

  private async dispatch(job: Job<Payload>, token: string | undefined): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new UnrecoverableError(`the ${this.queueName} queue has no handler for ${job.name}`);
    await handler(job, token);
  }
}
