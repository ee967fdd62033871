import { describe, expect, it } from 'vitest';
import { planRetention, type RetentionPolicy, type SnapshotInfo, validateRetentionPolicy } from './retention-plan.js';

const DAY = 86_400_000;
const gfs: Omit<RetentionPolicy, 'timeZone'> = { keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 6, keepYearly: 2, keepWithinDays: 0 };
const none: Omit<RetentionPolicy, 'timeZone'> = { keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, keepWithinDays: 0 };

function snap(takenAt: string, over: Partial<SnapshotInfo> = {}): SnapshotInfo {
  return { id: takenAt, clientId: 'c1', takenAt: new Date(takenAt), good: true, pinned: false, ...over };
}

/** Two years of daily backups, pruned after every backup as the scheduler would. */
function simulate(timeOfDay: string, policy: RetentionPolicy, pinned: ReadonlySet<string> = new Set()): SnapshotInfo[] {
  let kept: SnapshotInfo[] = [];
  for (let t = Date.parse(`2024-01-01T${timeOfDay}Z`); t <= Date.parse(`2025-12-31T${timeOfDay}Z`); t += DAY) {
    const iso = new Date(t).toISOString();
    kept.push(snap(iso, { pinned: pinned.has(iso) }));
    const plan = planRetention(kept, policy, new Date(t + 3_600_000));
    expect(plan.keep.some((k) => k.snapshot.id === iso)).toBe(true); // the newest is never deleted
    kept = plan.keep.map((k) => k.snapshot);
  }
  return kept;
}

const ids = (l: SnapshotInfo[]) => l.map((s) => s.id).sort();

describe('GFS over two simulated years of daily backups', () => {
  it('UTC: keeps exactly last 3, 7 dailies, 4 weeklies, 6 monthlies, 2 yearlies', () => {
    const kept = simulate('01:00:00.000', { ...gfs, timeZone: 'UTC' });
    const d = (s: string) => `${s}T01:00:00.000Z`;
    expect(ids(kept)).toEqual(
      [
        '2024-12-31', // yearly 2024
        '2025-07-31', '2025-08-31', '2025-09-30', '2025-10-31', '2025-11-30', // monthlies
        '2025-12-14', '2025-12-21', // weeklies (weeks start Monday; Dec 28 and 31 are also dailies)
        '2025-12-25', '2025-12-26', '2025-12-27', '2025-12-28', '2025-12-29', '2025-12-30', '2025-12-31', // dailies
      ].map(d),
    );
    // Pruning every day gives the same set as one prune at the end over all 731 snapshots.
    const all = Array.from({ length: 731 }, (_, i) => snap(new Date(Date.parse('2024-01-01T01:00:00Z') + i * DAY).toISOString()));
    const once = planRetention(all, { ...gfs, timeZone: 'UTC' }, new Date('2025-12-31T02:00:00Z'));
    expect(ids(once.keep.map((k) => k.snapshot))).toEqual(ids(kept));
    expect(once.delete).toHaveLength(731 - 15);
  });

  it('America/New_York: buckets follow the local calendar, not UTC', () => {
    // 04:30Z is 23:30 the previous local day in winter (EST) and 00:30 the same day in summer (EDT).
    const kept = simulate('04:30:00.000', { ...gfs, timeZone: 'America/New_York' });
    const d = (s: string) => `${s}T04:30:00.000Z`;
    expect(ids(kept)).toEqual(
      [
        '2025-01-01', // yearly 2024: 2024-12-31 23:30 EST
        '2025-07-31', '2025-08-31', '2025-09-30', '2025-10-31', // monthlies (EDT: same local day)
        '2025-12-01', // monthly November: Nov 30 23:30 EST
        '2025-12-15', '2025-12-22', // weeklies: local Sundays Dec 14 and Dec 21
        '2025-12-25', '2025-12-26', '2025-12-27', '2025-12-28', '2025-12-29', '2025-12-30', '2025-12-31',
      ].map(d),
    );
  });

  it('reasons name the rule, the bucket and the rank', () => {
    const all = Array.from({ length: 40 }, (_, i) => snap(new Date(Date.parse('2025-11-22T01:00:00Z') + i * DAY).toISOString()));
    const plan = planRetention(all, { ...gfs, timeZone: 'UTC' }, new Date('2025-12-31T02:00:00Z'));
    const newest = plan.keep.find((k) => k.snapshot.id === '2025-12-31T01:00:00.000Z');
    expect(newest?.reasons).toEqual([
      { rule: 'newest-good' },
      { rule: 'last', rank: 1 },
      { rule: 'daily', bucket: '2025-12-31', rank: 1 },
      { rule: 'weekly', bucket: 'week of 2025-12-29', rank: 1 },
      { rule: 'monthly', bucket: '2025-12', rank: 1 },
      { rule: 'yearly', bucket: '2025', rank: 1 },
    ]);
    const nov = plan.keep.find((k) => k.snapshot.id === '2025-11-30T01:00:00.000Z');
    expect(nov?.reasons).toEqual([{ rule: 'monthly', bucket: '2025-11', rank: 2 }]);
    expect(plan.delete.find((x) => x.snapshot.id === '2025-11-29T01:00:00.000Z')?.reason).toBe('not kept by any rule');
  });
});

describe('safety rules', () => {
  it('pinned snapshots never expire', () => {
    const pin = '2024-03-15T01:00:00.000Z';
    const kept = simulate('01:00:00.000', { ...gfs, timeZone: 'UTC' }, new Set([pin]));
    expect(kept.map((s) => s.id)).toContain(pin);
    expect(kept).toHaveLength(16);
  });

  it('the newest good snapshot of each client survives a keep-nothing policy', () => {
    const list = [
      snap('2026-01-01T00:00:00.000Z'),
      snap('2026-01-02T00:00:00.000Z'),
      snap('2026-01-03T00:00:00.000Z', { good: false }),
      snap('2026-01-01T00:00:00.000Z', { id: 'c2-old', clientId: 'c2' }),
      snap('2026-01-05T00:00:00.000Z', { id: 'c2-new', clientId: 'c2' }),
      snap('2026-01-06T00:00:00.000Z', { id: 'c3-bad', clientId: 'c3', good: false }),
    ];
    const plan = planRetention(list, { ...none, timeZone: 'UTC' }, new Date('2026-02-01T00:00:00Z'));
    expect(plan.keep.map((k) => [k.snapshot.id, k.reasons])).toEqual([
      ['c2-new', [{ rule: 'newest-good' }]],
      ['2026-01-02T00:00:00.000Z', [{ rule: 'newest-good' }]],
    ]);
    expect(plan.delete.map((x) => x.snapshot.id).sort()).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.000Z', 'c2-old', 'c3-bad'].sort());
    expect(plan.delete.find((x) => x.snapshot.id === 'c3-bad')?.reason).toBe('finished with errors and not kept by any rule');
  });

  it('keepLast and GFS count only good snapshots; keepWithinDays keeps everything young', () => {
    const list = [
      snap('2026-01-10T00:00:00.000Z', { good: false }),
      snap('2026-01-09T00:00:00.000Z'),
      snap('2026-01-08T00:00:00.000Z'),
      snap('2026-01-01T00:00:00.000Z'),
    ];
    const last2 = planRetention(list, { ...none, keepLast: 2, timeZone: 'UTC' }, new Date('2026-01-20T00:00:00Z'));
    expect(last2.keep.map((k) => k.snapshot.id)).toEqual(['2026-01-09T00:00:00.000Z', '2026-01-08T00:00:00.000Z']);
    const within = planRetention(list, { ...none, keepWithinDays: 3, timeZone: 'UTC' }, new Date('2026-01-11T12:00:00Z'));
    expect(within.keep.map((k) => k.snapshot.id)).toEqual(['2026-01-10T00:00:00.000Z', '2026-01-09T00:00:00.000Z']);
    expect(within.keep[0]?.reasons).toEqual([{ rule: 'within' }]);
  });

  it('rejects negative or fractional counts and unknown zones', () => {
    expect(() => validateRetentionPolicy({ ...gfs, keepDaily: -1, timeZone: 'UTC' })).toThrow(RangeError);
    expect(() => validateRetentionPolicy({ ...gfs, keepLast: 1.5, timeZone: 'UTC' })).toThrow(RangeError);
    expect(() => validateRetentionPolicy({ ...gfs, timeZone: 'Nowhere/Land' })).toThrow(RangeError);
    expect(() => validateRetentionPolicy({ ...gfs, timeZone: 'Asia/Tokyo' })).not.toThrow();
  });
});
