import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobHandlersOf, JobName, type JobPayloads, OnJob, QueueName, REDIS } from '@backtrac/queue';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions } from '../backup/copy-worker.tokens.js';
import { MaintenanceService } from './maintenance.service.js';
import { PruneService } from './prune.service.js';

/** The `maintenance` queue's transport: one job at a time per worker; the report is the job's result. */
@Injectable()
export class MaintenanceJobProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MaintenanceJobProcessor.name);
  private worker: Worker | undefined;
  private readonly stopping = new AbortController();

  private readonly handlers = new Map(jobHandlersOf(this).map((h) => [h.name as string, h.handler]));

  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly pruning: PruneService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(COPY_WORKER_OPTIONS) private readonly options: CopyWorkerOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker(QueueName.Maintenance, (job) => this.process(job), {
      connection: this.redis.duplicate(),
      prefix: this.options.redisPrefix,
      concurrency: 1,
      lockDuration: 120_000,
    });
    this.worker.on('error', (error) => this.logger.error(`maintenance worker: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.worker?.close();
  }

  private async process(job: Job): Promise<unknown> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new UnrecoverableError(`the copy worker has no handler for maintenance job ${job.name}`);
    this.logger.log(`maintenance ${job.name} started (${job.id})`);
    const report = await handler(job, undefined);
    this.logger.log(`maintenance ${job.name} finished: ${JSON.stringify(report).slice(0, 500)}`);
    return report;
  }

  @OnJob(JobName.Prune)
  prune(job: Job<JobPayloads[JobName.Prune]>): Promise<unknown> {
    return this.pruning.prune(job.data);
  }

  @OnJob(JobName.GarbageCollect)
  gc(): Promise<unknown> {
    return this.maintenance.gc(this.stopping.signal);
  }

  @OnJob(JobName.Fsck)
  fsck(): Promise<unknown> {
    return this.maintenance.fsck();
  }

  @OnJob(JobName.Verify)
  verify(job: Job<JobPayloads[JobName.Verify]>): Promise<unknown> {
    return this.maintenance.verify(job.data.fraction);
  }

  @OnJob(JobName.RebuildCatalog)
  rebuildCatalog(): Promise<unknown> {
    return this.maintenance.rebuildCatalog();
  }
}
