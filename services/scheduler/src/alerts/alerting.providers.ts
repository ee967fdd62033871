import { type DynamicModule, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { AlertDeliveryModule, AlertDispatchService, type AlertSettings, alertSettingsFromRecord, type LoadedAlertSettings, RedisAlertLedgerRepository, type UnusualRunThresholds } from '@backtrac/alerts';
import { AlertSettingsRepository, SecretBox } from '@backtrac/catalog';
import { QUEUE_OPTIONS, type QueueModuleOptions, REDIS } from '@backtrac/queue';
import { DEFAULT_DISK_GUARD, type DiskGuardThresholds } from '../health/disk-guard.js';
import type { StoreDisk } from '../tick/scheduler.ports.js';
import { StoreDiskRepository } from '../tick/store-disk.repository.js';
import { AlertConditionsRepository } from './alert-conditions.repository.js';
import { AlertMonitorService } from './alert-monitor.service.js';
import { DigestSourceRepository } from './digest-source.repository.js';
import { MaintenanceAlertsListener } from './maintenance-alerts.listener.js';
import { buildDailyDigest, digestDayDue } from './run-alerts.js';
import { RunAlertsListener, RunAlertsService, type RunAlertSettingsSource } from './run-alerts.listener.js';
import { RunLookupRepository } from './run-lookup.repository.js';

export interface AlertingWiring {
  /** How often standing conditions (overdue clients, silent agents, full store) are checked. */
  checkSeconds: number;
  /** statfs target for the disk-guard alert; null when the store is not mounted here. */
  storeRoot: string | null;
  diskGuard?: DiskGuardThresholds;
}

export const ALERTING_WIRING = Symbol('ALERTING_WIRING');

/** Reads the alert settings from the catalog on every use, so edits in the console apply at once. */
export class CatalogAlertSettingsSource implements RunAlertSettingsSource {
  constructor(
    private readonly settings: AlertSettingsRepository,
    private readonly box: SecretBox,
  ) {}

  async loadAll(): Promise<LoadedAlertSettings | null> {
    const record = await this.settings.find();
    return record ? alertSettingsFromRecord(record, (sealed) => this.box.open(sealed)) : null;
  }

  async load(): Promise<{ alerts: AlertSettings; unusual: UnusualRunThresholds } | null> {
    return this.loadAll();
  }
}

@Injectable()
export class AlertingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    @Inject(RunAlertsListener) private readonly listener: RunAlertsListener,
    @Inject(MaintenanceAlertsListener) private readonly maintenanceListener: MaintenanceAlertsListener,
    @Inject(AlertMonitorService) private readonly monitor: AlertMonitorService,
    @Inject(AlertDispatchService) private readonly dispatcher: AlertDispatchService,
    @Inject(CatalogAlertSettingsSource) private readonly source: CatalogAlertSettingsSource,
    @Inject(DigestSourceRepository) private readonly digestSource: DigestSourceRepository,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(QUEUE_OPTIONS) private readonly queueOptions: QueueModuleOptions,
    @Inject(ALERTING_WIRING) private readonly wiring: AlertingWiring,
  ) {
    this.disk = wiring.storeRoot ? new StoreDiskRepository(wiring.storeRoot) : null;
  }

  private readonly disk: StoreDisk | null;

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.start();
    await this.maintenanceListener.start();
    this.timer = setInterval(() => void this.check(), this.wiring.checkSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.checking;
    await this.listener.stop();
    await this.maintenanceListener.stop();
  }

  /** One round of standing-condition checks; the dispatcher throttles repeats. */
  check(now = new Date()): Promise<void> {
    this.checking ??= (async () => {
      try {
        const settings = await this.source.loadAll();
        if (!settings) return;
        const results = await this.monitor.check(
          {
            alerts: settings.alerts,
            notBackedUpDays: settings.notBackedUpDays,
            agentOfflineHours: settings.agentOfflineHours,
            diskGuard: this.wiring.diskGuard ?? DEFAULT_DISK_GUARD,
            storePath: this.wiring.storeRoot ?? '',
          },
          now,
        );
        for (const r of results) if (r.sent) this.logger.log({ alert: r.dedupeKey, results: r.results });
        await this.digest(settings, now);
      } catch (error) {
        this.logger.error(`alert check failed: ${(error as Error).message}`);
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  /** Yesterday's digest once the local digest hour has passed, sent by one scheduler only. */
  private async digest(settings: LoadedAlertSettings, now: Date): Promise<void> {
    const { alerts, digestHour } = settings;
    if (digestHour === null || !alerts.enabledTypes.includes('daily-digest')) return;
    const day = digestDayDue(now, alerts.timeZone, digestHour, null);
    if (!day) return;
    // One key per day, claimed atomically: a second scheduler or the next check does nothing.
    const claimed = await this.redis.set(`${this.queueOptions.prefix}:alerts:digest:${day}`, now.toISOString(), 'EX', 3 * 86_400, 'NX');
    if (claimed !== 'OK') return;
    const [runs, clients, fs] = await Promise.all([
      this.digestSource.runsSince(new Date(now.getTime() - 3 * 86_400_000)),
      this.digestSource.clientLines(),
      this.disk ? this.disk.statfs().catch(() => null) : Promise.resolve(null),
    ]);
    const store = fs ? { usagePercent: fs.blocks > 0 ? (100 * (fs.blocks - fs.bfree)) / fs.blocks : 0, freeBytes: fs.bavail * fs.bsize } : null;
    const result = await this.dispatcher.dispatch(buildDailyDigest(day, alerts.timeZone, runs, clients, store, {}, now), alerts, now);
    this.logger.log({ digest: day, sent: result.sent });
  }
}

/** The scheduler's alert delivery: what was sent is remembered in Redis, shared by every scheduler. */
export function schedulerAlertDelivery(allowPrivateWebhooks: boolean): DynamicModule {
  return AlertDeliveryModule.forRoot({
    ledger: { inject: [REDIS, QUEUE_OPTIONS], useFactory: (redis: Redis, opts: QueueModuleOptions) => new RedisAlertLedgerRepository(redis, opts.prefix) },
    allowPrivateWebhooks,
  });
}

/**
 * Alerting in the scheduler (next to schedulerAlertDelivery() in the module's imports): run alerts from the backup queue's events (RunAlertsListener) and a
 * periodic check of standing conditions (AlertMonitorService), both with the catalog's settings.
 */
export function alertingProviders(wiring: AlertingWiring): Provider[] {
  return [
    { provide: ALERTING_WIRING, useValue: wiring },
    {
      provide: CatalogAlertSettingsSource,
      inject: [AlertSettingsRepository, SecretBox],
      useFactory: (settings: AlertSettingsRepository, box: SecretBox) => new CatalogAlertSettingsSource(settings, box),
    },
    {
      provide: RunAlertsListener,
      inject: [DataSource, CatalogAlertSettingsSource, AlertDispatchService, REDIS, QUEUE_OPTIONS],
      useFactory: (db: DataSource, source: CatalogAlertSettingsSource, dispatcher: AlertDispatchService, redis: Redis, opts: QueueModuleOptions) => {
        const logger = new Logger('RunAlerts');
        return new RunAlertsListener(new RunAlertsService(new RunLookupRepository(db), source, dispatcher), redis, opts.prefix, (err) => logger.error(err.message));
      },
    },
    {
      provide: MaintenanceAlertsListener,
      inject: [CatalogAlertSettingsSource, AlertDispatchService, REDIS, QUEUE_OPTIONS],
      useFactory: (source: CatalogAlertSettingsSource, dispatcher: AlertDispatchService, redis: Redis, opts: QueueModuleOptions) => {
        const logger = new Logger('MaintenanceAlerts');
        return new MaintenanceAlertsListener(source, dispatcher, redis, opts.prefix, (err) => logger.error(err.message));
      },
    },
    { provide: DigestSourceRepository, inject: [DataSource], useFactory: (db: DataSource) => new DigestSourceRepository(db) },
    {
      provide: AlertMonitorService,
      inject: [DataSource, AlertDispatchService],
      useFactory: (db: DataSource, dispatcher: AlertDispatchService) =>
        new AlertMonitorService(new AlertConditionsRepository(db), wiring.storeRoot ? new StoreDiskRepository(wiring.storeRoot) : null, dispatcher),
    },
    AlertingLifecycle,
  ];
}
