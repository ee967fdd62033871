import { randomUUID } from 'node:crypto';
import { type BackupJobPayload, type FailureCode, type JobPayloads, RETRIED_BY_SCHEDULER } from '@backtrac/queue';
import { type DiskGuardDecision, type DiskGuardThresholds, DEFAULT_DISK_GUARD, evaluateDiskGuard } from '../health/disk-guard.js';
import { admit, type Caps, type Candidate, DEFAULT_RETRY, nextRetryAt, queuePriority, type RetryPolicy } from '../schedule/admission.js';
import { backupJobId } from '../schedule/job-id.js';
import { decideSlot } from '../schedule/slot-decision.js';
import { windowState } from '../schedule/time-window.js';
import { dueMaintenance, type MaintenanceName, type MaintenanceSpec } from './maintenance-planner.js';
import type { BackupQueue, BlockedReason, ScheduledClient, SchedulerSource, SchedulerState, StoreDisk } from './scheduler.ports.js';

export interface TickOptions {
  caps: Caps;
  retry?: RetryPolicy;
  /** Failure codes that mean "try again later in the window" (default RETRIED_BY_SCHEDULER). */
  retryableCodes?: readonly FailureCode[];
  /** Lease so one scheduler ticks at a time (caps stay exact); ids alone already prevent doubles. */
  lockTtlMs?: number;
  diskGuard?: DiskGuardThresholds;
  /** Prune, gc, verify slots to enqueue on the maintenance queue (none when absent). */
  maintenance?: { specs: readonly MaintenanceSpec[]; queue: MaintenanceQueue };
}

/** The `maintenance` queue's producer (MaintenanceJobProducer); returns the job id. */
export interface MaintenanceQueue {
  enqueue(name: MaintenanceName, payload: JobPayloads[MaintenanceName], slot: Date): Promise<string>;
}

export interface TickReport {
  /** False when another scheduler held the lease; nothing else was done. */
  ran: boolean;
  diskGuard: DiskGuardDecision | null;
  /** `created` is false when the job already existed (another scheduler was first). */
  enqueued: { jobId: string; clientId: string; runId: string; full: boolean; missedSlots: number; priority: number; created: boolean }[];
  waiting: { jobId: string; clientId: string; reason: string; notBefore: Date | null }[];
  deferred: { jobId: string; clientId: string; reason: 'client-busy' | 'global-cap' | 'site-cap' | 'disk-guard' }[];
  blocked: { jobId: string; clientId: string; reason: BlockedReason; attempts: number; nextAt: Date | null; gaveUp: boolean }[];
  retried: { jobId: string; clientId: string; attemptsMade: number }[];
  /** Maintenance slots handed to the queue this tick (ids already present are no-ops there). */
  maintenance: string[];
}

interface DueCandidate extends Candidate {
  item: ScheduledClient;
  jobId: string;
  slot: Date;
  full: boolean;
  missedSlots: number;
}

/**
 * One pass of the scheduler: find due slots, hold back what may not start (window, jitter,
 * blocked client, caps, full disk) and enqueue the rest oldest-last-good-backup first, each under
 * its deterministic job id. Stateless between ticks: everything it needs is in the catalog,
 * the queue and a few Redis keys, so any number of schedulers can run.
 */
export class SchedulerTickService {
  private readonly holder = randomUUID();

  constructor(
    private readonly source: SchedulerSource,
    private readonly queue: BackupQueue,
    private readonly state: SchedulerState,
    private readonly disk: StoreDisk | null,
    private readonly options: TickOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async tick(): Promise<TickReport> {
    const report: TickReport = { ran: false, diskGuard: null, enqueued: [], waiting: [], deferred: [], blocked: [], retried: [], maintenance: [] };
    const lockTtl = this.options.lockTtlMs ?? 30_000;
    if (lockTtl > 0 && !(await this.state.tryLock(this.holder, lockTtl))) return report;
    report.ran = true;
    try {
      await this.run(report);
    } finally {
      if (lockTtl > 0) await this.state.unlock(this.holder);
    }
    return report;
  }

  private async run(report: TickReport): Promise<void> {
    const now = this.clock();
    const items = await this.source.listScheduled(now);
    const retry = this.options.retry ?? DEFAULT_RETRY;

    if (this.disk) {
      report.diskGuard = evaluateDiskGuard(await this.disk.statfs(), this.options.diskGuard ?? DEFAULT_DISK_GUARD);
    }

    const due: DueCandidate[] = [];
    for (const item of items) {
      const d = decideSlot(item.schedule, item.client, now);
      if (d.kind === 'idle') continue;
      if (d.kind === 'wait') {
        report.waiting.push({ jobId: d.jobId, clientId: item.client.clientId, reason: d.reason, notBefore: d.notBefore });
        continue;
      }
      if (item.client.blocked) {
        report.blocked.push(await this.backOff(d.jobId, item.client.clientId, item.client.blocked, now, d.windowClosesAt, retry));
        continue;
      }
      due.push({
        item,
        clientId: item.client.clientId,
        siteId: item.client.siteId,
        lastGoodAt: item.client.lastGoodAt,
        jobId: d.jobId,
        slot: d.slot,
        full: d.full,
        missedSlots: d.missedSlots,
      });
    }

    await this.retryFailed(items, now, retry, report);

    // Maintenance frees space, so it goes ahead even when the disk guard holds backups back.
    if (this.options.maintenance) {
      for (const job of dueMaintenance(this.options.maintenance.specs, now)) {
        report.maintenance.push(await this.options.maintenance.queue.enqueue(job.name, job.payload, job.slot));
      }
    }

    if (report.diskGuard?.tripped) {
      // Nothing stored is touched; new backups simply wait for space.
      for (const c of due) report.deferred.push({ jobId: c.jobId, clientId: c.clientId, reason: 'disk-guard' });
      return;
    }

    const siteOf = new Map(items.map((i) => [i.client.clientId, i.client.siteId]));
    const busy = await this.queue.inFlightClientIds();
    const bySite: Record<string, number> = {};
    for (const id of busy) {
      const site = siteOf.get(id);
      if (site !== undefined) bySite[site] = (bySite[site] ?? 0) + 1;
    }
    const { admitted, deferred } = admit(due, { total: busy.length, bySite, clients: new Set(busy) }, this.options.caps);
    for (const d of deferred) report.deferred.push({ jobId: d.candidate.jobId, clientId: d.candidate.clientId, reason: d.reason });

    for (const c of admitted) {
      const { runId } = await this.source.recordQueued({ clientId: c.clientId, jobId: c.jobId, slot: c.slot, full: c.full });
      const payload: BackupJobPayload = { clientId: c.clientId, runId, trigger: 'schedule', slot: c.slot.toISOString(), full: c.full };
      const priority = queuePriority(c.lastGoodAt);
      const created = await this.queue.enqueue(payload, priority);
      report.enqueued.push({ jobId: c.jobId, clientId: c.clientId, runId, full: c.full, missedSlots: c.missedSlots, priority, created });
    }
  }

  private async backOff(
    jobId: string,
    clientId: string,
    reason: BlockedReason,
    now: Date,
    windowClosesAt: Date | null,
    retry: RetryPolicy,
  ): Promise<TickReport['blocked'][number]> {
    const prev = await this.state.getRetry(jobId);
    const keepMs = 3 * 86_400_000;
    if (prev?.gaveUp) return { jobId, clientId, reason, attempts: prev.attempts, nextAt: null, gaveUp: true };
    if (prev?.nextAt && now < new Date(prev.nextAt)) return { jobId, clientId, reason, attempts: prev.attempts, nextAt: new Date(prev.nextAt), gaveUp: false };
    const attempts = (prev?.attempts ?? 0) + 1;
    const nextAt = nextRetryAt(attempts, now, windowClosesAt, retry);
    await this.state.setRetry(jobId, { attempts, nextAt: nextAt?.toISOString() ?? null, gaveUp: nextAt === null, reason }, keepMs);
    return { jobId, clientId, reason, attempts, nextAt, gaveUp: nextAt === null };
  }

  /** A backup that failed because the agent or share was away is retried, with backoff, while its window is open. */
  private async retryFailed(items: ScheduledClient[], now: Date, retry: RetryPolicy, report: TickReport): Promise<void> {
    const failed = await this.queue.listFailed(this.options.retryableCodes ?? RETRIED_BY_SCHEDULER);
    if (failed.length === 0) return;
    const itemOf = new Map(items.map((i) => [i.client.clientId, i]));
    for (const f of failed) {
      const item = itemOf.get(f.clientId);
      // Only the client's latest scheduled slot is worth retrying; an older one is superseded.
      if (!item || !item.client.lastSlot || f.jobId !== backupJobId(f.clientId, item.client.lastSlot)) continue;
      const schedule = item.schedule;
      const w = windowState({ timeZone: schedule.timeZone, windows: schedule.windows, blackouts: schedule.blackouts, blackoutRanges: schedule.blackoutRanges }, now);
      if (!w.open) continue;
      const at = nextRetryAt(f.attemptsMade, f.failedAt, w.closesAt, retry);
      if (!at || at > now) continue;
      await this.queue.retry(f.jobId);
      report.retried.push({ jobId: f.jobId, clientId: f.clientId, attemptsMade: f.attemptsMade });
    }
  }
}
