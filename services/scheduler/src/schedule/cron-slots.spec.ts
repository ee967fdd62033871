import { describe, expect, it } from 'vitest';
import { InvalidScheduleError, latestSlotAtOrBefore, nextSlots, slotsBetween, validateCron } from './cron-slots.js';

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe('cron slots across DST', () => {
  describe('Europe/Berlin (CET/CEST, changes at 01:00 UTC)', () => {
    it('a 02:30 job in the spring-forward gap runs once at 03:00 CEST, then at 02:30 again', () => {
      // 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that night.
      expect(iso(nextSlots('30 2 * * *', 'Europe/Berlin', new Date('2026-03-27T12:00:00Z'), 4))).toEqual([
        '2026-03-28T01:30:00.000Z', // 02:30 CET
        '2026-03-29T01:00:00.000Z', // first valid time after the gap, same day
        '2026-03-30T00:30:00.000Z', // 02:30 CEST
        '2026-03-31T00:30:00.000Z',
      ]);
    });

    it('a 02:30 job on the fall-back night runs once, at the first 02:30', () => {
      // 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
      expect(iso(nextSlots('30 2 * * *', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z'), 3))).toEqual([
        '2026-10-25T00:30:00.000Z',
        '2026-10-26T01:30:00.000Z',
        '2026-10-27T01:30:00.000Z',
      ]);
    });

    it('an hourly job keeps running through the repeated hour', () => {
      const slots = iso(nextSlots('0 * * * *', 'Europe/Berlin', new Date('2026-10-24T23:30:00Z'), 4));
      expect(slots).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z']);
    });
  });

  describe('America/New_York (EST/EDT)', () => {
    it('a 02:30 job on 2026-03-08 (2:00 -> 3:00) runs at 03:00 EDT', () => {
      expect(iso(nextSlots('30 2 * * *', 'America/New_York', new Date('2026-03-06T12:00:00Z'), 3))).toEqual([
        '2026-03-07T07:30:00.000Z', // 02:30 EST
        '2026-03-08T07:00:00.000Z', // 03:00 EDT
        '2026-03-09T06:30:00.000Z', // 02:30 EDT
      ]);
    });

    it('a 01:30 job on 2026-11-01 (2:00 -> 1:00) runs once', () => {
      expect(iso(nextSlots('30 1 * * *', 'America/New_York', new Date('2026-10-31T00:00:00Z'), 3))).toEqual([
        '2026-10-31T05:30:00.000Z',
        '2026-11-01T05:30:00.000Z', // first 01:30 (EDT)
        '2026-11-02T06:30:00.000Z', // 01:30 EST
      ]);
    });

    it('the same wall-clock time is 24 h apart except across a change', () => {
      // From Oct 29 22:00 EDT to Nov 1 22:00 EST: the night of Nov 1 has 25 hours.
      const slots = nextSlots('0 22 * * *', 'America/New_York', new Date('2026-10-30T00:00:00Z'), 4);
      const gaps = slots.slice(1).map((d, i) => (d.getTime() - slots[i]!.getTime()) / 3_600_000);
      expect(gaps).toEqual([24, 24, 25]);
    });
  });

  it('latestSlotAtOrBefore includes a slot exactly at the reference', () => {
    expect(latestSlotAtOrBefore('*/5 * * * *', 'UTC', new Date('2026-01-01T00:10:00.000Z'))?.toISOString()).toBe('2026-01-01T00:10:00.000Z');
    expect(latestSlotAtOrBefore('*/5 * * * *', 'UTC', new Date('2026-01-01T00:09:59.999Z'))?.toISOString()).toBe('2026-01-01T00:05:00.000Z');
  });

  it('latestSlotAtOrBefore on the spring-forward day finds the shifted run', () => {
    expect(latestSlotAtOrBefore('30 2 * * *', 'Europe/Berlin', new Date('2026-03-29T06:00:00Z'))?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('slotsBetween is (after, upTo] and honours the limit', () => {
    const after = new Date('2026-01-01T00:00:00Z');
    const upTo = new Date('2026-01-01T01:00:00Z');
    const all = slotsBetween('*/15 * * * *', 'UTC', after, upTo);
    expect(iso(all)).toEqual(['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z', '2026-01-01T01:00:00.000Z']);
    expect(slotsBetween('*/15 * * * *', 'UTC', after, upTo, 2)).toHaveLength(2);
  });

  it('rejects a bad expression or time zone with a typed error', () => {
    expect(() => validateCron('61 * * * *', 'UTC')).toThrow(InvalidScheduleError);
    expect(() => validateCron('0 2 * * *', 'Mars/Olympus')).toThrow(InvalidScheduleError);
    expect(() => validateCron('0 2 * * *', 'Europe/Paris')).not.toThrow();
  });
});
