import { JobName, QueueName } from '@backtrac/queue';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AlertDispatchService, DispatchResult } from '@backtrac/alerts';
import type { RunAlertSettingsSource } from './run-alerts.listener.js';
import type { VerifyCorruptionAlert } from '@backtrac/alerts';

/** The part of the copy worker's verify report that matters for the alert. */
interface VerifyResult {
  checked: number;
  corrupt: { file: string; expected: string; actual: string }[];
}

function asVerifyResult(value: unknown): VerifyResult | null {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof parsed !== 'object' || parsed === null) return null;
  const r = parsed as Partial<VerifyResult>;
  return typeof r.checked === 'number' && Array.isArray(r.corrupt) ? { checked: r.checked, corrupt: r.corrupt } : null;
}

/** Turns a verify job that found corrupt pool files into a "verify found corruption" alert. */
export class MaintenanceAlertsListener {
  private events: QueueEvents | null = null;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly settings: RunAlertSettingsSource,
    private readonly dispatcher: AlertDispatchService,
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  async onCompleted(jobId: string, returnvalue: unknown, now: Date): Promise<DispatchResult | null> {
    if (!jobId.startsWith(`${JobName.Verify}:`)) return null;
    const report = asVerifyResult(returnvalue);
    if (!report || report.corrupt.length === 0) return null;
    const settings = await this.settings.load();
    if (!settings) return null;
    const event: VerifyCorruptionAlert = {
      type: 'verify-corruption',
      at: now,
      damaged: report.corrupt.map((c) => ({ poolPath: c.file, expectedSha256: c.expected, actualSha256: c.actual, snapshots: [] })),
      checkedFiles: report.checked,
    };
    return this.dispatcher.dispatch(event, settings.alerts, now);
  }

  async start(): Promise<void> {
    this.events = new QueueEvents(QueueName.Maintenance, { connection: this.connection.duplicate(), prefix: this.prefix });
    this.events.on('completed', ({ jobId, returnvalue }) => {
      const p = this.onCompleted(jobId, returnvalue, new Date())
        .catch((err: Error) => this.onError(err))
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    });
    await this.events.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.events?.close();
    await Promise.all(this.pending);
    this.events = null;
  }
}
