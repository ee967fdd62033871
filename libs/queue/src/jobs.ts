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
 * Deterministic job ids: the same client and slot always give the same id, so a second scheduler,
 * a retry or a double click never starts the same backup twice. BullMQ forbids ':' in custom ids
 * only when they are integers; ISO slots keep their colons readable.
 */
export function backupJobId(clientId: string, slot: Date | string): string {
  const iso = typeof slot === 'string' ? new Date(slot).toISOString() : slot.toISOString();
  return `backup:${clientId}:${iso}`;
}

export function maintenanceJobId(name: JobName, slot: Date | string, scope = 'all'): string {
  const iso = typeof slot === 'string' ? new Date(slot).toISOString() : slot.toISOString();
  return `${name}:${scope}:${iso}`;
}
