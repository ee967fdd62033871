import { QueueName } from './queue-names.js';

export enum JobName {
  Backup = 'backup',
  Restore = 'restore',
  Prune = 'prune',
  GarbageCollect = 'gc',
  Verify = 'verify',
  Fsck = 'fsck',
  RebuildCatalog = 'rebuild-catalog',
}

export type BackupTrigger = 'schedule' | 'manual' | 'agent';

export interface BackupJobPayload {
  clientId: string;
  /** The catalog row created when the job was enqueued. */
  runId: string;
  trigger: BackupTrigger;
  /** ISO time of the schedule slot, or of the request for manual/agent backups. */
  slot: string;
  /** Re-read and re-hash every file instead of trusting (path, size, mtime). */
  full: boolean;
}

export interface RestoreJobPayload {
  restoreId: string;
}

export interface PruneJobPayload {
  /** Omitted: every client. */
  clientId?: string;
  dryRun?: boolean;
}

export interface VerifyJobPayload {
  /** Share of the pool to re-hash this run, 0 < fraction <= 1. */
  fraction: number;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EmptyPayload {}

/** One payload type per job name. */
export interface JobPayloads {
  [JobName.Backup]: BackupJobPayload;
  [JobName.Restore]: RestoreJobPayload;
  [JobName.Prune]: PruneJobPayload;
  [JobName.GarbageCollect]: EmptyPayload;
  [JobName.Verify]: VerifyJobPayload;
  [JobName.Fsck]: EmptyPayload;
  [JobName.RebuildCatalog]: EmptyPayload;
}

export type JobOf<N extends JobName> = { name: N; payload: JobPayloads[N] };
export type AnyJob = { [N in JobName]: JobOf<N> }[JobName];

/** Which queue carries each job. */
export const queueOfJob: Record<JobName, QueueName> = {
  [JobName.Backup]: QueueName.Backup,
  [JobName.Restore]: QueueName.Restore,
  [JobName.Prune]: QueueName.Maintenance,
  [JobName.GarbageCollect]: QueueName.Maintenance,
  [JobName.Verify]: QueueName.Maintenance,
  [JobName.Fsck]: QueueName.Maintenance,
  [JobName.RebuildCatalog]: QueueName.Maintenance,
};

/**
 * A slot in ISO 8601 basic format (20260329T010000Z; milliseconds only when not zero, as for
 * manual backups: 20260329T010000.250Z). BullMQ refuses a custom job id with more than two
 * colons, so the extended format cannot go into `backup:<client>:<slot>`.
 */
export function slotStamp(slot: Date | string): string {
  return new Date(slot).toISOString().replace(/\.000Z$/, 'Z').replace(/[-:]/g, '');
}

/** Inverse of slotStamp. */
export function parseSlotStamp(stamp: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d{3})?Z$/.exec(stamp);
  if (!m) throw new RangeError(`invalid slot stamp "${stamp}"`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`);
}

/**
 * Deterministic job ids: the same client and slot always give the same id, so a second scheduler
 * or a retry never starts the same backup twice.
 */
export function backupJobId(clientId: string, slot: Date | string): string {
  if (clientId.includes(':')) throw new RangeError(`client id must not contain ":" (${clientId})`);
  return `backup:${clientId}:${slotStamp(slot)}`;
}

export function maintenanceJobId(name: JobName, slot: Date | string, scope = 'all'): string {
  return `${name}:${scope}:${slotStamp(slot)}`;
}
