import { type DiskGuardThresholds, evaluateDiskGuard } from '../health/disk-guard.js';
import type { StoreDisk } from '../tick/scheduler.ports.js';
import type { AlertDispatchService, AlertSettings, DispatchResult } from '@backtrac/alerts';
import { type AgentHeartbeat, type ClientBackupStatus, offlineAgents, overdueClients } from '@backtrac/alerts';
import type { AlertEvent } from '@backtrac/alerts';

/** Catalog reads for standing conditions. */
export interface AlertConditionSource {
  clientStatuses(): Promise<ClientBackupStatus[]>;
  agentHeartbeats(): Promise<AgentHeartbeat[]>;
}

export interface MonitorSettings {
  alerts: AlertSettings;
  /** Global "not backed up for N days" (0: off); a client may override it. */
  notBackedUpDays: number;
  /** 0: off. */
  agentOfflineHours: number;
  diskGuard: DiskGuardThresholds;
  storePath: string;
}

/**
 * Periodic check of standing conditions (overdue clients, silent agents, a full store). Each
 * alert is throttled by the dispatcher, so calling this every minute is fine.
 */
export class AlertMonitorService {
  constructor(
    private readonly source: AlertConditionSource,
    private readonly disk: StoreDisk | null,
    private readonly dispatcher: AlertDispatchService,
  ) {}

  async conditions(settings: MonitorSettings, now: Date): Promise<AlertEvent[]> {
    const [clients, agents] = await Promise.all([this.source.clientStatuses(), this.source.agentHeartbeats()]);
    const events: AlertEvent[] = [...overdueClients(clients, settings.notBackedUpDays, now), ...offlineAgents(agents, settings.agentOfflineHours, now)];
    if (this.disk) {
      const d = evaluateDiskGuard(await this.disk.statfs(), settings.diskGuard);
      if (d.tripped) {
        events.push({ type: 'disk-guard', at: now, storePath: settings.storePath, usagePercent: d.usagePercent, freeBytes: d.freeBytes, freeInodes: d.freeInodes, reasons: d.reasons });
      }
    }
    return events;
  }

  async check(settings: MonitorSettings, now: Date): Promise<DispatchResult[]> {
    const out: DispatchResult[] = [];
    for (const e of await this.conditions(settings, now)) out.push(await this.dispatcher.dispatch(e, settings.alerts, now));
    return out;
  }
}
