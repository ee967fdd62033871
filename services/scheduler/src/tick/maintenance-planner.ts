import { JobName, type JobPayloads, maintenanceJobId } from '@backtrac/queue';
import { latestSlotAtOrBefore } from '../schedule/cron-slots.js';

export type MaintenanceName = JobName.Prune | JobName.GarbageCollect | JobName.Verify | JobName.Fsck;

export interface MaintenanceSpec<N extends MaintenanceName = MaintenanceName> {
  name: N;
  cron: string;
  timeZone: string;
  payload: JobPayloads[N];
}

export interface DueMaintenance {
  name: MaintenanceName;
  jobId: string;
  slot: Date;
  payload: JobPayloads[MaintenanceName];
}

/**
 * The latest slot of each maintenance job. Enqueueing it every tick is harmless: the id is the
 * slot, so BullMQ keeps one job per slot (while completed jobs are kept longer than the period).
 */
export function dueMaintenance(specs: readonly MaintenanceSpec[], now: Date): DueMaintenance[] {
  const out: DueMaintenance[] = [];
  for (const s of specs) {
    const slot = latestSlotAtOrBefore(s.cron, s.timeZone, now);
    if (slot) out.push({ name: s.name, jobId: maintenanceJobId(s.name, slot), slot, payload: s.payload });
  }
  return out;
}

/** Nightly prune after the usual backup window, gc after it, a weekly partial verify. */
export const DEFAULT_MAINTENANCE: readonly MaintenanceSpec[] = [
  { name: JobName.Prune, cron: '30 7 * * *', timeZone: 'UTC', payload: {} },
  { name: JobName.GarbageCollect, cron: '0 8 * * *', timeZone: 'UTC', payload: {} },
  { name: JobName.Verify, cron: '0 9 * * 0', timeZone: 'UTC', payload: { fraction: 0.1 } },
];
