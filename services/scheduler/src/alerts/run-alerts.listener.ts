import { type FailureCode, QueueName, readJobFailure, RETRIED_BY_SCHEDULER } from '@backtrac/queue';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_UNUSUAL_RUN, type UnusualRunThresholds } from '@backtrac/alerts';
import type { AlertDispatchService, AlertSettings, DispatchResult } from '@backtrac/alerts';
import { alertsForFinishedRun, type FinishedRun } from './run-alerts.js';

/** The catalog's view of a run, looked up by its job id. */
export interface RunLookup {
  findByJobId(jobId: string): Promise<Omit<FinishedRun, 'willRetry'> | null>;
}

export interface RunAlertSettingsSource {
  /** Null: alerting not configured, nothing is sent. */
  load(): Promise<{ alerts: AlertSettings; unusual: UnusualRunThresholds } | null>;
}

/**
 * Turns finished backup jobs into alerts: a failure (unless the scheduler will retry it because
 * the agent or share was away; a client that stays away is caught by "not backed up for N days")
 * and an unusual amount of change.
 */
export class RunAlertsService {
  constructor(
    private readonly runs: RunLookup,
    private readonly settings: RunAlertSettingsSource,
    private readonly dispatcher: AlertDispatchService,
    private readonly retriedLater: readonly FailureCode[] = RETRIED_BY_SCHEDULER,
  ) {}

  async onFinished(jobId: string, failedReason: string | null, now: Date): Promise<DispatchResult[]> {
    if (!jobId.startsWith('backup:')) return [];
    const [run, settings] = await Promise.all([this.runs.findByJobId(jobId), this.settings.load()]);
    if (!run || !settings) return [];
    const failure = failedReason === null ? null : readJobFailure(failedReason);
    const finished: FinishedRun =
      failure === null
        ? { ...run, willRetry: false }
        : { ...run, state: 'failed', error: run.error ?? failure.message, willRetry: this.retriedLater.includes(failure.code) };
    const out: DispatchResult[] = [];
    for (const e of alertsForFinishedRun(finished, settings.unusual ?? DEFAULT_UNUSUAL_RUN, now)) {
      out.push(await this.dispatcher.dispatch(e, settings.alerts, now));
    }
    return out;
  }
}

/** Subscribes RunAlertsService to the backup queue's completed/failed events. */
export class RunAlertsListener {
  private events: QueueEvents | null = null;
  private pending = new Set<Promise<unknown>>();

  constructor(
    private readonly service: RunAlertsService,
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    // QueueEvents blocks on XREAD, so it needs a connection of its own.
    this.events = new QueueEvents(QueueName.Backup, { connection: this.connection.duplicate(), prefix: this.prefix });
    const track = (p: Promise<unknown>) => {
      const q = p.catch((err: Error) => this.onError(err)).finally(() => this.pending.delete(q));
      this.pending.add(q);
    };
    this.events.on('completed', ({ jobId }) => track(this.service.onFinished(jobId, null, new Date())));
    this.events.on('failed', ({ jobId, failedReason }) => track(this.service.onFinished(jobId, failedReason, new Date())));
    await this.events.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.events?.close();
    await Promise.all(this.pending);
    this.events = null;
  }
}
