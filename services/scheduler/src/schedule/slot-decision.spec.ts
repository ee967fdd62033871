import { describe, expect, it } from 'vitest';
import { isFullBackupDue } from './full-backup.js';
import { backupJobId, jitterMs, parseSlotStamp, slotStamp } from './job-id.js';
import { type ClientScheduleState, decideSlot, MAX_COUNTED_MISSED, type ScheduleSpec } from './slot-decision.js';

const at = (s: string) => new Date(s);

const nightly: ScheduleSpec = {
  id: 's1',
  cron: '0 2 * * *',
  timeZone: 'Europe/Berlin',
  windows: [{ start: '22:00', end: '06:00' }],
  blackouts: [],
  jitterSeconds: 0,
  fullEveryDays: 7,
  activeSince: at('2026-01-01T00:00:00Z'),
};

const client = (over: Partial<ClientScheduleState> = {}): ClientScheduleState => ({
  clientId: 'c1',
  lastSlot: null,
  lastGoodAt: null,
  lastFullAt: null,
  ...over,
});

describe('decideSlot (fake clock: now is a parameter)', () => {
  it('walks a day with a fake clock: idle, due at 02:00, idle again once enqueued', () => {
    const s = { ...nightly, activeSince: at('2026-01-10T12:00:00Z') };
    expect(decideSlot(s, client(), at('2026-01-11T00:59:59Z'))).toEqual({ kind: 'idle', nextSlot: at('2026-01-11T01:00:00Z') });
    const due = decideSlot(s, client(), at('2026-01-11T01:00:00Z'));
    expect(due).toEqual({
      kind: 'due',
      slot: at('2026-01-11T01:00:00Z'),
      jobId: 'backup:c1:20260111T010000Z',
      full: true, // never backed up
      missedSlots: 1,
      windowClosesAt: at('2026-01-11T05:00:00Z'),
    });
    const after = decideSlot(s, client({ lastSlot: at('2026-01-11T01:00:00Z') }), at('2026-01-11T01:05:00Z'));
    expect(after).toEqual({ kind: 'idle', nextSlot: at('2026-01-12T01:00:00Z') });
  });

  it('catch-up: after 5 days down, one run for the newest missed slot, started once', () => {
    const state = client({ lastSlot: at('2026-01-05T01:00:00Z'), lastGoodAt: at('2026-01-05T01:30:00Z'), lastFullAt: at('2026-01-05T01:30:00Z') });
    const now = at('2026-01-10T03:00:00Z'); // 04:00 Berlin, window open
    const d = decideSlot(nightly, state, now);
    expect(d).toMatchObject({ kind: 'due', slot: at('2026-01-10T01:00:00Z'), missedSlots: 5, full: false });
    // Once that slot is recorded, further ticks on the same night do nothing more.
    for (let m = 1; m <= 60; m += 7) {
      const later = new Date(now.getTime() + m * 60_000);
      expect(decideSlot(nightly, { ...state, lastSlot: at('2026-01-10T01:00:00Z') }, later).kind).toBe('idle');
    }
  });

  it('catch-up counts missed slots only up to a bound (an every-minute schedule after a month down)', () => {
    const s = { ...nightly, cron: '* * * * *', windows: [] };
    const d = decideSlot(s, client({ lastSlot: at('2026-01-01T00:00:00Z') }), at('2026-02-01T00:00:30Z'));
    expect(d).toMatchObject({ kind: 'due', slot: at('2026-02-01T00:00:00Z'), missedSlots: MAX_COUNTED_MISSED });
  });

  it('catch-up outside the window waits for the window, then runs the newest slot', () => {
    const state = client({ lastSlot: at('2026-01-05T01:00:00Z'), lastGoodAt: at('2026-01-05T01:30:00Z') });
    const noon = at('2026-01-10T11:00:00Z');
    expect(decideSlot(nightly, state, noon)).toEqual({
      kind: 'wait',
      reason: 'outside-window',
      slot: at('2026-01-10T01:00:00Z'),
      jobId: 'backup:c1:20260110T010000Z',
      notBefore: at('2026-01-10T21:00:00Z'),
    });
    expect(decideSlot(nightly, state, at('2026-01-10T21:00:00Z'))).toMatchObject({ kind: 'due', slot: at('2026-01-10T01:00:00Z') });
    // Past midnight the next slot has not come yet (02:00): still the same slot.
    expect(decideSlot(nightly, state, at('2026-01-10T23:30:00Z'))).toMatchObject({ kind: 'due', slot: at('2026-01-10T01:00:00Z') });
  });

  it('a new schedule does not backfill slots before it became active', () => {
    const s = { ...nightly, activeSince: at('2026-01-10T06:00:00Z') };
    expect(decideSlot(s, client(), at('2026-01-10T22:00:00Z'))).toEqual({ kind: 'idle', nextSlot: at('2026-01-11T01:00:00Z') });
  });

  it('jitter delays the start deterministically, within bounds', () => {
    const s = { ...nightly, jitterSeconds: 900, windows: [] };
    const slot = at('2026-01-11T01:00:00Z');
    const j = jitterMs('c1', slot, 900_000);
    expect(j).toBeGreaterThanOrEqual(0);
    expect(j).toBeLessThan(900_000);
    const before = decideSlot(s, client({ lastSlot: at('2026-01-10T01:00:00Z') }), new Date(slot.getTime() + j - 1));
    expect(before).toMatchObject({ kind: 'wait', reason: 'jitter', notBefore: new Date(slot.getTime() + j) });
    expect(decideSlot(s, client({ lastSlot: at('2026-01-10T01:00:00Z') }), new Date(slot.getTime() + j)).kind).toBe('due');
  });
});

describe('jitter', () => {
  it('stays in [0, max), is the same on every call and spreads a hundred clients', () => {
    const slot = at('2026-03-01T02:00:00Z');
    const max = 600_000;
    const values = Array.from({ length: 100 }, (_, i) => jitterMs(`client-${i}`, slot, max));
    for (const v of values) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(max);
    }
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => jitterMs(`client-${i}`, slot, max)));
    // Spread: at least 8 of 10 one-minute buckets used, and no second shared by more than 3 clients.
    expect(new Set(values.map((v) => Math.floor(v / 60_000))).size).toBeGreaterThanOrEqual(8);
    const perSecond = new Map<number, number>();
    for (const v of values) perSecond.set(Math.floor(v / 1000), (perSecond.get(Math.floor(v / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(3);
  });

  it('differs between slots of the same client and is 0 without jitter', () => {
    expect(jitterMs('c1', at('2026-03-01T02:00:00Z'), 3_600_000)).not.toBe(jitterMs('c1', at('2026-03-02T02:00:00Z'), 3_600_000));
    expect(jitterMs('c1', at('2026-03-01T02:00:00Z'), 0)).toBe(0);
  });
});

describe('job id', () => {
  it('is backup:<client>:<slot in ISO 8601 basic format> with exactly two colons', () => {
    const id = backupJobId('7f1c', at('2026-03-29T01:00:00.000Z'));
    expect(id).toBe('backup:7f1c:20260329T010000Z');
    expect(id.split(':')).toHaveLength(3);
    expect(parseSlotStamp(slotStamp(at('2026-03-29T01:00:00Z')))).toEqual(at('2026-03-29T01:00:00Z'));
    expect(() => backupJobId('a:b', at('2026-03-29T01:00:00Z'))).toThrow(RangeError);
  });
});

describe('full-backup policy', () => {
  const slot = at('2026-01-15T01:00:00Z');
  it('first backup is full; then every N days; never when disabled', () => {
    expect(isFullBackupDue({ fullEveryDays: null }, null, null, slot)).toBe(true);
    expect(isFullBackupDue({ fullEveryDays: null }, null, at('2026-01-14T01:00:00Z'), slot)).toBe(false);
    expect(isFullBackupDue({ fullEveryDays: 0 }, at('2025-01-01T00:00:00Z'), at('2026-01-14T01:00:00Z'), slot)).toBe(false);
    expect(isFullBackupDue({ fullEveryDays: 7 }, at('2026-01-08T01:03:00Z'), at('2026-01-14T01:00:00Z'), slot)).toBe(true); // 3 min short: within slack
    expect(isFullBackupDue({ fullEveryDays: 7 }, at('2026-01-09T01:00:00Z'), at('2026-01-14T01:00:00Z'), slot)).toBe(false);
    expect(isFullBackupDue({ fullEveryDays: 7 }, null, at('2026-01-14T01:00:00Z'), slot)).toBe(true);
  });
});
