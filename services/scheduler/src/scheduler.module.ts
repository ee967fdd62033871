import { type DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@backtrac/config';
import { CatalogModule } from '@backtrac/catalog';
import { QueueModule, REDIS } from '@backtrac/queue';
import { HealthController, postgresAndRedisReadiness, structuredLogging } from '@backtrac/runtime';
import { alertingProviders, schedulerAlertDelivery } from './alerts/alerting.providers.js';
import { schedulerProviders } from './scheduler.providers.js';
import { DEFAULT_MAINTENANCE } from './tick/maintenance-planner.js';

@Module({})
export class SchedulerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [
        structuredLogging(config),
        CatalogModule.forRoot({ databaseUrl: config.DATABASE_URL, secretKey: config.SECRET_KEY, applicationName: 'backtrac-scheduler' }),
        QueueModule.forRoot({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX }),
        schedulerAlertDelivery(config.WEBHOOK_ALLOW_PRIVATE_ADDRESSES),
      ],
      controllers: [HealthController],
      providers: [
        postgresAndRedisReadiness(DataSource, REDIS),
        ...schedulerProviders({
          tickSeconds: config.SCHEDULER_TICK_SECONDS,
          storeRoot: config.STORE_ROOT,
          caps: { global: config.SCHEDULER_MAX_BACKUPS, perSiteDefault: config.SCHEDULER_MAX_BACKUPS_PER_SITE },
          diskGuard: { maxUsagePercent: config.DISK_GUARD_MAX_USAGE_PERCENT, minFreeInodes: 10_000, minFreeInodesPercent: 1 },
          agentOfflineAfterMs: 3 * config.AGENT_HEARTBEAT_SECONDS * 1000,
          // Prune (carried out by the copy worker), then gc, then a weekly partial verify.
          maintenance: DEFAULT_MAINTENANCE,
        }),
        ...alertingProviders({
          checkSeconds: 60,
          storeRoot: config.STORE_ROOT,
          diskGuard: { maxUsagePercent: config.DISK_GUARD_MAX_USAGE_PERCENT, minFreeInodes: 10_000, minFreeInodesPercent: 1 },
        }),
      ],
    };
  }
}
