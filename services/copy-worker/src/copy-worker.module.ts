import { type DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@backtrac/config';
import { CatalogModule } from '@backtrac/catalog';
import { QueueModule, QueueName, REDIS, type ServedQueue, servedQueueProviders } from '@backtrac/queue';
import { HealthController, postgresAndRedisReadiness, structuredLogging } from '@backtrac/runtime';
import { RetentionModule } from '@backtrac/retention';
import { HardlinkStore } from '@backtrac/store';
import { AgentCallbackRepository } from './agent/agent-callback.repository.js';
import { AgentHooksService } from './agent/agent-hooks.service.js';
import { AGENT_HOOK_OPTIONS, type AgentHookOptions } from './agent/agent-hooks.tokens.js';
import { BackupJobProcessor } from './backup/backup-job.processor.js';
import { BackupRunService } from './backup/backup-run.service.js';
import { CatalogSyncService } from './backup/catalog-sync.service.js';
import { ClientLockRepository } from './backup/client-lock.repository.js';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions, STORE } from './backup/copy-worker.tokens.js';
import { LiveEventsRepository } from './backup/live-events.repository.js';
import { ShareConnectorRepository } from './backup/share-connector.repository.js';
import { StoreGuardRepository } from './backup/store-guard.repository.js';
import { MaintenanceJobProcessor } from './maintenance/maintenance-job.processor.js';
import { MaintenanceService } from './maintenance/maintenance.service.js';
import { PruneService } from './maintenance/prune.service.js';
import { RestoreJobProcessor } from './restore/restore-job.processor.js';
import { RestoreRunService } from './restore/restore-run.service.js';
import { RestoreTargetRepository } from './restore/restore-target.repository.js';

/** The queues the copy worker consumes; at start every job name of each needs exactly one handler. */
export const COPY_WORKER_QUEUES: readonly ServedQueue[] = [
  { queue: QueueName.Backup, processor: BackupJobProcessor },
  { queue: QueueName.Restore, processor: RestoreJobProcessor },
  { queue: QueueName.Maintenance, processor: MaintenanceJobProcessor },
];

@Module({})
export class CopyWorkerModule {
  /** `processJobs: false` gives the services without queue workers (the admin CLI). */
  static forRoot(config: AppConfig, { processJobs = true } = {}): DynamicModule {
    const options: CopyWorkerOptions = {
      concurrency: config.COPY_WORKER_CONCURRENCY,
      filesInFlight: config.FILES_IN_FLIGHT,
      redisPrefix: config.REDIS_PREFIX,
      lockSeconds: config.JOB_LOCK_SECONDS,
      fileShareRoots: config.fileShareRoots,
    };
    // prepare() may run a pre-backup command for up to the agent's command timeout (600 s by default).
    const agentHooks: AgentHookOptions = { secretKey: config.SECRET_KEY, heartbeatSeconds: config.AGENT_HEARTBEAT_SECONDS, callTimeoutMs: 15 * 60_000 };
    return {
      module: CopyWorkerModule,
      imports: [
        structuredLogging(config),
        CatalogModule.forRoot({ databaseUrl: config.DATABASE_URL, secretKey: config.SECRET_KEY, applicationName: 'backtrac-copy-worker' }),
        QueueModule.forRoot({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX }),
        RetentionModule,
      ],
      controllers: [HealthController],
      providers: [
        postgresAndRedisReadiness(DataSource, REDIS),
        { provide: COPY_WORKER_OPTIONS, useValue: options },
        { provide: AGENT_HOOK_OPTIONS, useValue: agentHooks },
        AgentCallbackRepository,
        AgentHooksService,
        // Opening the store creates its layout (format.json, pool/, ...) on first start.
        { provide: STORE, useFactory: () => HardlinkStore.open(config.STORE_ROOT, { create: true }) },
        ClientLockRepository,
        StoreGuardRepository,
        LiveEventsRepository,
        ShareConnectorRepository,
        CatalogSyncService,
        BackupRunService,
        MaintenanceService,
        PruneService,
        RestoreTargetRepository,
        RestoreRunService,
        ...(processJobs ? servedQueueProviders('copy-worker', COPY_WORKER_QUEUES) : []),
      ],
    };
  }
}
