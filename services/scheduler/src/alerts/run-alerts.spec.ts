import { describe, expect, it } from 'vitest';
import { alertsForFinishedRun, buildDailyDigest, digestDayDue, type FinishedRun } from './run-alerts.js';

const now = new Date('2026-01-15T08:00:00Z');
const base: FinishedRun = {
  runId: 'r',
  jobId: 'backup:c:20260115T010000Z',
  clientId: 'c',
  clientName: 'ws',
  state: 'succeeded',
  error: null,
  attempts: 1,
  willRetry: false,
  previousFiles: 1000,
  modified: 10,
  deleted: 0,
  added: 5,
};
const unusual = { maxChangedShare: 0.3, minPreviousFiles: 100 };

describe('alerts from a finished run', () => {
  it('a normal run raises nothing', () => {
    expect(alertsForFinishedRun(base, unusual, now)).toEqual([]);
  });
  it('a failed run raises run-failed unless a retry is coming', () => {
    expect(alertsForFinishedRun({ ...base, state: 'failed', error: 'boom', attempts: 3 }, unusual, now)).toEqual([
      { type: 'run-failed', at: now, clientId: 'c', clientName: 'ws', runId: 'r', jobId: base.jobId, error: 'boom', attempts: 3 },
    ]);
    expect(alertsForFinishedRun({ ...base, state: 'failed', willRetry: true }, unusual, now)).toEqual([]);
  });
  it('mass change raises unusual-run', () => {
    expect(alertsForFinishedRun({ ...base, modified: 400 }, unusual, now)).toEqual([
      { type: 'unusual-run', at: now, clientId: 'c', clientName: 'ws', runId: 'r', changedFiles: 400, previousFiles: 1000, changedShare: 0.4, thresholdShare: 0.3 },
    ]);
  });
});

describe('daily digest', () => {
  it('is due after the hour, for yesterday, once', () => {
    expect(digestDayDue(new Date('2026-01-15T06:59:00Z'), 'Europe/Berlin', 8, null)).toBeNull(); // 07:59 local
    expect(digestDayDue(new Date('2026-01-15T07:00:00Z'), 'Europe/Berlin', 8, null)).toBe('2026-01-14');
    expect(digestDayDue(new Date('2026-01-15T07:00:00Z'), 'Europe/Berlin', 8, '2026-01-14')).toBeNull();
    // The morning after the spring-forward night (a 23 h day) still covers the right day.
    expect(digestDayDue(new Date('2026-03-30T06:00:00Z'), 'Europe/Berlin', 8, null)).toBe('2026-03-29');
    expect(digestDayDue(new Date('2026-03-29T22:30:00Z'), 'Europe/Berlin', 0, null)).toBe('2026-03-29');
  });
  it('counts the runs finished on that local day', () => {
    const d = buildDailyDigest(
      '2026-01-14',
      'America/New_York',
      [
        { clientName: 'a', state: 'succeeded', finishedAt: new Date('2026-01-14T06:00:00Z'), bytesStoredNew: 100 }, // 01:00 EST on the 14th
        { clientName: 'b', state: 'failed', finishedAt: new Date('2026-01-15T04:00:00Z'), bytesStoredNew: 0 }, // 23:00 EST on the 14th
        { clientName: 'c', state: 'succeeded', finishedAt: new Date('2026-01-14T03:00:00Z'), bytesStoredNew: 50 }, // 22:00 on the 13th
        { clientName: 'd', state: 'running', finishedAt: null, bytesStoredNew: 0 },
      ],
      [],
      null,
      {},
      now,
    );
    expect(d).toMatchObject({ day: '2026-01-14', runs: { succeeded: 1, partial: 0, failed: 1 }, bytesStoredNew: 100 });
  });
});
