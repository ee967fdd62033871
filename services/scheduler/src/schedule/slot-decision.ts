import { latestSlotAtOrBefore, nextSlots, slotsBetween } from './cron-slots.js';
import { isFullBackupDue } from './full-backup.js';
import { backupJobId, jitterMs } from './job-id.js';
import { type DateRange, type TimeWindow, windowState } from './time-window.js';

export interface ScheduleSpec {
  id: string;
  cron: string;
  timeZone: string;
  windows: readonly TimeWindow[];
  blackouts: readonly TimeWindow[];
  blackoutRanges?: readonly DateRange[];
  /** Upper bound (exclusive) of the per-client start delay. */
  jitterSeconds: number;
  fullEveryDays: number | null;
  /** Slots before this instant are never run (a new schedule does not backfill). */
  activeSince: Date;
}

export interface ClientScheduleState {
  clientId: string;
  /** Slot of the last backup enqueued for this client on this schedule (from the catalog). */
  lastSlot: Date | null;
  lastGoodAt: Date | null;
  lastFullAt: Date | null;
}

export type SlotDecision =
  | { kind: 'idle'; nextSlot: Date | null }
  | {
      kind: 'wait';
      reason: 'jitter' | 'outside-window' | 'blackout';
      slot: Date;
      jobId: string;
      /** When to look again (null: no change foreseen within a week). */
      notBefore: Date | null;
    }
  | {
      kind: 'due';
      slot: Date;
      jobId: string;
      full: boolean;
      /**
       * Slots that passed without a run, including this one, counted up to MAX_COUNTED_MISSED;
       * more than 1 means a catch-up after downtime.
       */
      missedSlots: number;
      /** When the window closes (null: no window); retries stop there. */
      windowClosesAt: Date | null;
    };

/** Counting is informational and costs a croner step per slot; stop here. */
export const MAX_COUNTED_MISSED = 100;

/**
 * What to do for one client of one schedule at `now`. Only the newest slot that has not been
 * enqueued counts: after downtime the missed runs collapse into one, started once.
 */
export function decideSlot(schedule: ScheduleSpec, client: ClientScheduleState, now: Date): SlotDecision {
  const floor = Math.max(client.lastSlot?.getTime() ?? -Infinity, schedule.activeSince.getTime() - 1);
  const slot = latestSlotAtOrBefore(schedule.cron, schedule.timeZone, now);
  if (!slot || slot.getTime() <= floor) {
    const [next] = nextSlots(schedule.cron, schedule.timeZone, now, 1);
    return { kind: 'idle', nextSlot: next ?? null };
  }
  const jobId = backupJobId(client.clientId, slot);
  const startAt = new Date(slot.getTime() + jitterMs(client.clientId, slot, schedule.jitterSeconds * 1000));
  if (now < startAt) return { kind: 'wait', reason: 'jitter', slot, jobId, notBefore: startAt };

  const state = windowState(
    { timeZone: schedule.timeZone, windows: schedule.windows, blackouts: schedule.blackouts, blackoutRanges: schedule.blackoutRanges },
    now,
  );
  if (!state.open) return { kind: 'wait', reason: state.reason, slot, jobId, notBefore: state.opensAt };

  const missedSlots = slotsBetween(schedule.cron, schedule.timeZone, new Date(floor), now, MAX_COUNTED_MISSED).length;
  return {
    kind: 'due',
    slot,
    jobId,
    full: isFullBackupDue(schedule, client.lastFullAt, client.lastGoodAt, slot),
    missedSlots: Math.max(1, missedSlots),
    windowClosesAt: state.closesAt,
  };
}
