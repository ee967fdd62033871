import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobName, type JobPayloads, QueueName, REDIS } from '@backtrac/queue';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions } from '../backup/copy-worker.tokens.js';
import { MaintenanceService } from './maintenance.service.js';
import { PruneService } from './prune.service.js';

type MaintenanceJob = JobName.Prune | JobName.GarbageCollect | JobName.Fsck | JobName.Verify | JobName.RebuildCatalog;

/** The `maintenance` queue's transport: one job at a time per worker; the report is the job's result. */
@Injectable()
export class MaintenanceJobProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MaintenanceJobProcessor.name);
  private worker: Worker | undefined;
  private readonly stopping = new AbortController();

  private readonly handlers: Record<MaintenanceJob, (job: Job) => Promise<unknown>> = {
    [JobName.Prune]: (job) => this.prune.prune(job.data as JobPayloads[JobName.Prune]),
    [JobName.GarbageCollect]: () => this.maintenance.gc(this.stopping.signal),
    [JobName.Fsck]: () => this.maintenance.fsck(),
    [JobName.Verify]: (job) => this.maintenance.verify((job.data as JobPayloads[JobName.Verify]).fraction),
    [JobName.RebuildCatalog]: () => this.maintenance.rebuildCatalog(),
  };

  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly prune: PruneService,
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
    const handler = this.handlers[job.name as MaintenanceJob];
    if (!handler) throw new UnrecoverableError(`the copy worker has no handler for maintenance job ${job.name}`);
    this.logger.log(`maintenance ${job.name} started (${job.id})`);
    const report = await handler(job);
    this.logger.log(`maintenance ${job.name} finished: ${JSON.stringify(report).slice(0, 500)}`);
    return report;
  }
}
