import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { BackupJobProducer, MaintenanceJobProducer, QUEUE_OPTIONS, type QueueModuleOptions, REDIS } from '@backtrac/queue';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import type { DiskGuardThresholds } from './health/disk-guard.js';
import type { Caps, RetryPolicy } from './schedule/admission.js';
import { BackupQueueRepository } from './tick/backup-queue.repository.js';
import { SchedulerCatalogRepository } from './tick/scheduler-catalog.repository.js';
import { SchedulerStateRepository } from './tick/scheduler-state.repository.js';
import { SchedulerTickService } from './tick/scheduler-tick.service.js';
import { StoreDiskRepository } from './tick/store-disk.repository.js';
import { DEFAULT_MAINTENANCE, type MaintenanceSpec } from './tick/maintenance-planner.js';
import { TickRunner } from './tick/tick-runner.js';

export interface SchedulerWiring {
  tickSeconds: number;
  /** statfs target for the disk guard; null when the store is not mounted in this process. */
  storeRoot: string | null;
  caps: Caps;
  retry?: RetryPolicy;
  diskGuard?: DiskGuardThresholds;
  /** An agent silent this long blocks its client's backup (retried with backoff). */
  agentOfflineAfterMs?: number;
  /** Prune/gc/verify slots (default DEFAULT_MAINTENANCE; [] to leave maintenance to someone else). */
  maintenance?: readonly MaintenanceSpec[];
}

export const SCHEDULER_WIRING = Symbol('SCHEDULER_WIRING');

@Injectable()
class SchedulerTickLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(TickRunner) private readonly runner: TickRunner) {}
  onApplicationBootstrap(): void {
    this.runner.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}

/**
 * Everything the scheduler service needs, for SchedulerModule's `providers` (next to
 * CatalogModule and QueueModule, which supply DataSource, REDIS, QUEUE_OPTIONS and the queues).
 */
export function schedulerProviders(wiring: SchedulerWiring): Provider[] {
  return [
    { provide: SCHEDULER_WIRING, useValue: wiring },
    {
      provide: SchedulerCatalogRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new SchedulerCatalogRepository(db, wiring.agentOfflineAfterMs),
    },
    { provide: BackupQueueRepository, inject: [BackupJobProducer], useFactory: (producer: BackupJobProducer) => new BackupQueueRepository(producer) },
    {
      provide: SchedulerStateRepository,
      inject: [REDIS, QUEUE_OPTIONS],
      useFactory: (redis: Redis, opts: QueueModuleOptions) => new SchedulerStateRepository(redis, opts.prefix),
    },
    {
      provide: SchedulerTickService,
      inject: [SchedulerCatalogRepository, BackupQueueRepository, SchedulerStateRepository, MaintenanceJobProducer],
      useFactory: (source: SchedulerCatalogRepository, queue: BackupQueueRepository, state: SchedulerStateRepository, maintenance: MaintenanceJobProducer) =>
        new SchedulerTickService(source, queue, state, wiring.storeRoot ? new StoreDiskRepository(wiring.storeRoot) : null, {
          caps: wiring.caps,
          retry: wiring.retry,
          diskGuard: wiring.diskGuard,
          maintenance: { specs: wiring.maintenance ?? DEFAULT_MAINTENANCE, queue: maintenance },
          // The lease outlives a tick comfortably, and expires if this process dies mid-tick.
          lockTtlMs: Math.max(30_000, wiring.tickSeconds * 2000),
        }),
    },
    { provide: TickRunner, inject: [SchedulerTickService], useFactory: (tick: SchedulerTickService) => new TickRunner(tick, wiring.tickSeconds * 1000) },
    SchedulerTickLifecycle,
  ];
}
