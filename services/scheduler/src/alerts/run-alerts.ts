import { detectUnusualRun, type UnusualRunThresholds } from '@backtrac/alerts';
import type { AlertEvent, DailyDigestAlert, DigestClientLine, AlertType } from '@backtrac/alerts';
import { civilDayNumber, localParts } from '@backtrac/retention';

export interface FinishedRun {
  runId: string;
  jobId: string;
  clientId: string;
  clientName: string;
  state: 'succeeded' | 'partial' | 'failed' | 'cancelled';
  error: string | null;
  attempts: number;
  /** True when the scheduler will try again within the window (no alert yet). */
  willRetry: boolean;
  previousFiles: number | null;
  modified: number;
  deleted: number;
  added: number;
}

/** Alerts a finished run raises: a failure (unless it will be retried) and an unusual amount of change. */
export function alertsForFinishedRun(run: FinishedRun, unusual: UnusualRunThresholds, now: Date): AlertEvent[] {
  const out: AlertEvent[] = [];
  if (run.state === 'failed' && !run.willRetry) {
    out.push({ type: 'run-failed', at: now, clientId: run.clientId, clientName: run.clientName, runId: run.runId, jobId: run.jobId, error: run.error ?? 'unknown error', attempts: run.attempts });
  }
  if (run.state === 'succeeded' || run.state === 'partial') {
    const v = detectUnusualRun(run, unusual);
    if (v.unusual) {
      out.push({
        type: 'unusual-run',
        at: now,
        clientId: run.clientId,
        clientName: run.clientName,
        runId: run.runId,
        changedFiles: v.changedFiles,
        previousFiles: run.previousFiles ?? 0,
        changedShare: v.changedShare,
        thresholdShare: unusual.maxChangedShare,
      });
    }
  }
  return out;
}

function localDay(d: Date, timeZone: string): string {
  const p = localParts(d, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/**
 * The digest covering yesterday (local) is due once the local clock has passed `hour` today and
 * it has not been sent for that day yet. Returns the day to cover, or null.
 */
export function digestDayDue(now: Date, timeZone: string, hour: number, lastSentDay: string | null): string | null {
  const p = localParts(now, timeZone);
  if (p.hour < hour) return null;
  // Yesterday on the local calendar (not now - 24 h, which misses on 23 h and 25 h days).
  const day = new Date((civilDayNumber(p.year, p.month, p.day) - 1) * 86_400_000).toISOString().slice(0, 10);
  return day === lastSentDay ? null : day;
}

export interface DigestRun {
  clientName: string;
  state: 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'queued' | 'running';
  finishedAt: Date | null;
  bytesStoredNew: number;
}

export function buildDailyDigest(
  day: string,
  timeZone: string,
  runs: readonly DigestRun[],
  clients: readonly DigestClientLine[],
  store: DailyDigestAlert['store'],
  alertCounts: Partial<Record<AlertType, number>>,
  now: Date,
): DailyDigestAlert {
  const ofDay = runs.filter((r) => r.finishedAt && localDay(r.finishedAt, timeZone) === day);
  const count = (s: DigestRun['state']) => ofDay.filter((r) => r.state === s).length;
  return {
    type: 'daily-digest',
    at: now,
    day,
    runs: { succeeded: count('succeeded'), partial: count('partial'), failed: count('failed') },
    bytesStoredNew: ofDay.reduce((n, r) => n + r.bytesStoredNew, 0),
    clients: [...clients],
    store,
    alertCounts,
  };
}
