import { describe, expect, it } from 'vitest';
import { isInWindow, mayStart, validateWindow, windowState, type WindowPolicy } from './time-window.js';

const at = (s: string) => new Date(s);

describe('time windows', () => {
  const night = { start: '22:00', end: '06:00' };

  it('a window across midnight includes late evening and early morning, not the day', () => {
    // Europe/Berlin in January is UTC+1.
    expect(isInWindow(night, 'Europe/Berlin', at('2026-01-14T21:00:00Z'))).toBe(true); // 22:00 local
    expect(isInWindow(night, 'Europe/Berlin', at('2026-01-14T23:30:00Z'))).toBe(true); // 00:30
    expect(isInWindow(night, 'Europe/Berlin', at('2026-01-15T04:59:00Z'))).toBe(true); // 05:59
    expect(isInWindow(night, 'Europe/Berlin', at('2026-01-15T05:00:00Z'))).toBe(false); // 06:00, end exclusive
    expect(isInWindow(night, 'Europe/Berlin', at('2026-01-15T11:00:00Z'))).toBe(false); // noon
    expect(isInWindow(night, 'Europe/Berlin', at('2026-01-14T20:59:00Z'))).toBe(false); // 21:59
  });

  it('weekday filter applies to the day the window opens', () => {
    const fridayNight = { start: '22:00', end: '06:00', days: [5] };
    // Friday 2026-01-16 23:00 local, Saturday 03:00 local: in. Saturday 23:00, Friday 03:00: out.
    expect(isInWindow(fridayNight, 'Europe/Berlin', at('2026-01-16T22:00:00Z'))).toBe(true);
    expect(isInWindow(fridayNight, 'Europe/Berlin', at('2026-01-17T02:00:00Z'))).toBe(true);
    expect(isInWindow(fridayNight, 'Europe/Berlin', at('2026-01-17T22:00:00Z'))).toBe(false);
    expect(isInWindow(fridayNight, 'Europe/Berlin', at('2026-01-16T02:00:00Z'))).toBe(false);
  });

  it('a same-day window and a 24 h window', () => {
    expect(isInWindow({ start: '09:00', end: '17:00' }, 'UTC', at('2026-01-14T16:59:00Z'))).toBe(true);
    expect(isInWindow({ start: '09:00', end: '17:00' }, 'UTC', at('2026-01-14T17:00:00Z'))).toBe(false);
    expect(isInWindow({ start: '00:00', end: '00:00' }, 'UTC', at('2026-01-14T17:00:00Z'))).toBe(true);
  });

  it('blackouts win over windows; absolute ranges too', () => {
    const policy: WindowPolicy = {
      timeZone: 'America/New_York',
      windows: [{ start: '20:00', end: '08:00' }],
      blackouts: [{ start: '23:30', end: '00:30' }],
      blackoutRanges: [{ from: at('2026-12-24T00:00:00Z'), to: at('2026-12-27T00:00:00Z') }],
    };
    expect(mayStart(policy, at('2026-01-15T02:00:00Z'))).toBe(true); // 21:00 EST
    expect(mayStart(policy, at('2026-01-15T04:45:00Z'))).toBe(false); // 23:45, in blackout
    expect(mayStart(policy, at('2026-01-15T05:15:00Z'))).toBe(false); // 00:15, blackout crosses midnight
    expect(mayStart(policy, at('2026-01-15T05:30:00Z'))).toBe(true); // 00:30
    expect(mayStart(policy, at('2026-12-25T03:00:00Z'))).toBe(false); // Christmas freeze
  });

  it('windowState tells when an open window closes and when a closed one opens', () => {
    const policy: WindowPolicy = { timeZone: 'Europe/Berlin', windows: [night], blackouts: [{ start: '01:00', end: '02:00' }] };
    expect(windowState(policy, at('2026-01-14T21:30:00Z'))).toEqual({ open: true, closesAt: at('2026-01-15T00:00:00Z') }); // blackout at 01:00
    expect(windowState(policy, at('2026-01-15T00:10:00Z'))).toEqual({ open: false, reason: 'blackout', opensAt: at('2026-01-15T01:00:00Z') });
    expect(windowState(policy, at('2026-01-15T02:00:00Z'))).toEqual({ open: true, closesAt: at('2026-01-15T05:00:00Z') });
    expect(windowState(policy, at('2026-01-15T12:00:00Z'))).toEqual({ open: false, reason: 'outside-window', opensAt: at('2026-01-15T21:00:00Z') });
  });

  it('a night window on the fall-back night closes at 06:00 local, 9 h after 22:00', () => {
    // 2026-10-24 22:00 CEST = 20:00Z; 2026-10-25 06:00 CET = 05:00Z.
    const policy: WindowPolicy = { timeZone: 'Europe/Berlin', windows: [night], blackouts: [] };
    expect(windowState(policy, at('2026-10-24T20:00:00Z'))).toEqual({ open: true, closesAt: at('2026-10-25T05:00:00Z') });
  });

  it('no windows means always open', () => {
    expect(windowState({ timeZone: 'UTC', windows: [], blackouts: [] }, at('2026-01-01T00:00:00Z'))).toEqual({ open: true, closesAt: null });
  });

  it('validates times and weekdays', () => {
    expect(() => validateWindow({ start: '24:00', end: '01:00' })).toThrow(RangeError);
    expect(() => validateWindow({ start: '22:00', end: '6:00' })).toThrow(RangeError);
    expect(() => validateWindow({ start: '22:00', end: '06:00', days: [7] })).toThrow(RangeError);
    expect(() => validateWindow({ start: '22:00', end: '06:00', days: [0, 6] })).not.toThrow();
  });
});
