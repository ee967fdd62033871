import { Cron } from 'croner';

/**
 * Cron evaluation is delegated to croner, which handles time zones and DST the Vixie-cron way:
 * a fixed-time job (single minute and hour) whose time falls in a spring-forward gap runs at the
 * first valid time after the gap; one whose time occurs twice (fall back) runs once.
 * Slots are whole seconds.
 */
export class InvalidScheduleError extends Error {
  readonly code = 'SCHEDULE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidScheduleError';
  }
}

function cron(expression: string, timeZone: string): Cron {
  try {
    const c = new Cron(expression, { timezone: timeZone, paused: true, mode: '5-or-6-parts' });
    c.nextRun(new Date(0)); // forces the zone to be resolved now, not on first use
    return c;
  } catch (err) {
    throw new InvalidScheduleError(`invalid schedule "${expression}" in ${timeZone}: ${(err as Error).message}`);
  }
}

/** Throws InvalidScheduleError for a bad expression or zone (use when saving a schedule). */
export function validateCron(expression: string, timeZone: string): void {
  cron(expression, timeZone);
}

/** The next `count` slots strictly after `from`. */
export function nextSlots(expression: string, timeZone: string, from: Date, count: number): Date[] {
  return cron(expression, timeZone).nextRuns(count, from);
}

/** The latest slot at or before `at`, or null if none exists. */
export function latestSlotAtOrBefore(expression: string, timeZone: string, at: Date): Date | null {
  // previousRuns excludes a run exactly at the reference instant, so look 1 ms later.
  const [slot] = cron(expression, timeZone).previousRuns(1, new Date(at.getTime() + 1));
  return slot ?? null;
}

/** Slots in (after, upTo], at most `limit` of them, oldest first. */
export function slotsBetween(expression: string, timeZone: string, after: Date, upTo: Date, limit = 10_000): Date[] {
  const out: Date[] = [];
  const it = cron(expression, timeZone).enumerate(after);
  while (out.length < limit) {
    const next = it.next();
    if (next.done || next.value.getTime() > upTo.getTime()) break;
    out.push(next.value);
  }
  return out;
}
