import { CreateRestoreDto } from '../api/models/create-restore-dto';
import { RestoreDto as Restore } from '../api/models/restore-dto';
import { SnapshotDto as Snapshot } from '../api/models/snapshot-dto';
import { SelectionTotals } from './restore-selection';

export type RestorePolicy = Restore['policy'];

export const POLICIES: readonly { value: RestorePolicy; label: string; hint: string }[] = [
  { value: 'overwrite', label: 'Overwrite', hint: 'Replace files that exist at the destination' },
  { value: 'skip-existing', label: 'Skip existing', hint: 'Leave files that exist at the destination untouched' },
  { value: 'if-different', label: 'If different', hint: 'Rewrite only files whose size or modification time differ' },
  { value: 'rename', label: 'Keep both', hint: 'Write the restored copy beside an existing file, under a dated name' },
];

/** Where the files go: back where they were, the original share under a folder, or another client's share. */
export type Destination =
  | { kind: 'original' }
  | { kind: 'original-folder'; shareId: string | null; path: string }
  | { kind: 'other'; clientId: string | null; shareId: string | null; path: string };

/** A snapshot picked on the timeline, or "as it was at" a moment (the server picks the snapshot). */
export type SnapshotChoice = { seq: number } | { asOf: string };

export interface RestoreChoices {
  clientId: string;
  snapshot: SnapshotChoice;
  paths: readonly string[];
  destination: Destination;
  policy: RestorePolicy;
  mirror: boolean;
  verifyReadBack: boolean;
}

/** The newest complete snapshot finished at or before `at`, the same rule the api applies to `asOf`. */
export function snapshotAsOf(snapshots: readonly Snapshot[], at: Date): Snapshot | null {
  let best: Snapshot | null = null;
  for (const snapshot of snapshots) {
    if (snapshot.partial || Date.parse(snapshot.completedAt) > at.getTime()) continue;
    if (!best || snapshot.seq > best.seq) best = snapshot;
  }
  return best;
}

/** Why the choices cannot be sent yet, or null when they can. */
export function missingChoice(choices: RestoreChoices): string | null {
  const d = choices.destination;
  if (d.kind === 'original-folder' && !d.shareId) return 'Pick the share to restore into';
  if (d.kind === 'other' && !d.clientId) return 'Pick the client to restore to';
  if (d.kind === 'other' && !d.shareId) return 'Pick the share to restore into';
  if (d.kind === 'original-folder' && !folderPath(d.path)) return 'Name the folder to restore under';
  return null;
}

/** A folder typed by a person: "/restored//2026/" → "restored/2026". */
export function folderPath(raw: string): string {
  return raw.split(/[/\\]+/).filter((part) => part !== '').join('/');
}

/**
 * The create request. `confirmMirror` is only ever true together with `mirror`, and only because
 * the person confirmed in the dialog that files will be deleted (the caller passes that in).
 */
export function restoreRequest(choices: RestoreChoices, mirrorConfirmed: boolean): CreateRestoreDto {
  const body: CreateRestoreDto = { clientId: choices.clientId, policy: choices.policy, ...choices.snapshot };
  if (choices.paths.length) body.paths = [...choices.paths];
  const d = choices.destination;
  if (d.kind === 'original-folder') body.destination = { clientId: choices.clientId, shareId: d.shareId!, path: folderPath(d.path) };
  else if (d.kind === 'other') body.destination = { clientId: d.clientId!, shareId: d.shareId!, path: folderPath(d.path) };
  if (choices.mirror) {
    body.mirror = true;
    body.confirmMirror = mirrorConfirmed;
  }
  if (choices.verifyReadBack) body.verifyReadBack = true;
  return body;
}

/** What the summary says will be restored: the snapshot's totals for all of it, else the picked entries'. */
export interface RestoreAmount {
  whole: boolean;
  files: number;
  bytes: number;
  /** Picked folders whose contents the api counts when the restore starts. */
  folders: number;
}

export function restoreAmount(snapshot: Snapshot | null, totals: SelectionTotals, wholeSnapshot: boolean): RestoreAmount {
  if (wholeSnapshot) return { whole: true, files: snapshot?.fileCount ?? 0, bytes: snapshot?.totalBytes ?? 0, folders: 0 };
  return { whole: false, ...totals };
}
