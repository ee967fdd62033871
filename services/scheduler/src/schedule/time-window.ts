import { Cron } from 'croner';
import { localParts } from '@backtrac/retention';

/**
 * A recurring local-time window, e.g. 22:00-06:00. When end <= start the window crosses midnight
 * and ends the next day; start == end is a full 24 h. `days` (0 = Sunday) are the weekdays on
 * which the window OPENS, so a Friday 22:00-06:00 window includes Saturday 03:00.
 */
export interface TimeWindow {
  start: string; // "HH:MM"
  end: string; // "HH:MM"
  days?: readonly number[];
}

/** A one-off absolute period (a holiday freeze, a maintenance night). */
export interface DateRange {
  from: Date;
  to: Date;
}

export interface WindowPolicy {
  timeZone: string;
  /** Backups may start only inside one of these; empty means any time. */
  windows: readonly TimeWindow[];
  /** Backups never start inside these, even when a window is open. */
  blackouts: readonly TimeWindow[];
  blackoutRanges?: readonly DateRange[];
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutes(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`invalid time "${hhmm}", expected HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function validateWindow(w: TimeWindow): void {
  minutes(w.start);
  minutes(w.end);
  for (const d of w.days ?? []) if (!Number.isInteger(d) || d < 0 || d > 6) throw new RangeError(`invalid weekday ${d}`);
}

function opensOn(w: TimeWindow, weekday: number): boolean {
  return !w.days || w.days.length === 0 || w.days.includes(((weekday % 7) + 7) % 7);
}

export function isInWindow(w: TimeWindow, timeZone: string, at: Date): boolean {
  const p = localParts(at, timeZone);
  const now = p.hour * 60 + p.minute;
  const start = minutes(w.start);
  const end = minutes(w.end);
  if (start < end) return opensOn(w, p.weekday) && now >= start && now < end;
  // Crosses midnight (or is 24 h): the evening part belongs to today's opening, the morning part
  // to yesterday's.
  return (opensOn(w, p.weekday) && now >= start) || (opensOn(w, p.weekday - 1) && now < end);
}

/** Next instant strictly after `after` at which the local clock reads `hhmm` (DST-safe via croner). */
function nextLocalTime(hhmm: string, timeZone: string, after: Date): Date {
  const m = minutes(hhmm);
  const next = new Cron(`${m % 60} ${Math.floor(m / 60)} * * *`, { timezone: timeZone, paused: true }).nextRun(after);
  if (!next) throw new Error(`no next ${hhmm} in ${timeZone}`);
  return next;
}

export type WindowState =
  | { open: true; closesAt: Date | null }
  | { open: false; reason: 'outside-window' | 'blackout'; opensAt: Date | null };

function inBlackout(policy: WindowPolicy, at: Date): boolean {
  if (policy.blackouts.some((b) => isInWindow(b, policy.timeZone, at))) return true;
  return (policy.blackoutRanges ?? []).some((r) => at >= r.from && at < r.to);
}

function inAnyWindow(policy: WindowPolicy, at: Date): boolean {
  return policy.windows.length === 0 || policy.windows.some((w) => isInWindow(w, policy.timeZone, at));
}

/** Whether a backup may start at `at`. */
export function mayStart(policy: WindowPolicy, at: Date): boolean {
  return inAnyWindow(policy, at) && !inBlackout(policy, at);
}

/** Instants at which the answer of mayStart can change, after `at`, soonest first. */
function boundariesAfter(policy: WindowPolicy, at: Date): Date[] {
  const out: Date[] = [];
  for (const w of [...policy.windows, ...policy.blackouts]) {
    out.push(nextLocalTime(w.start, policy.timeZone, at), nextLocalTime(w.end, policy.timeZone, at));
  }
  for (const r of policy.blackoutRanges ?? []) {
    if (r.from > at) out.push(r.from);
    if (r.to > at) out.push(r.to);
  }
  return out.sort((a, b) => a.getTime() - b.getTime());
}

/**
 * Open/closed state at `at`, with when it changes (searched up to 8 days ahead, which covers any
 * weekly pattern; null when it never changes in that horizon).
 */
export function windowState(policy: WindowPolicy, at: Date): WindowState {
  const open = mayStart(policy, at);
  const horizon = at.getTime() + 8 * 86_400_000;
  let cursor = at;
  while (cursor.getTime() < horizon) {
    const candidates = boundariesAfter(policy, cursor);
    const next = candidates[0];
    if (!next) break;
    // Several boundaries may share one instant; evaluate once per distinct instant.
    if (mayStart(policy, next) !== open) {
      if (open) return { open: true, closesAt: next };
      return { open: false, reason: inBlackout(policy, at) ? 'blackout' : 'outside-window', opensAt: next };
    }
    cursor = next;
  }
  return open ? { open: true, closesAt: null } : { open: false, reason: inBlackout(policy, at) ? 'blackout' : 'outside-window', opensAt: null };
}
