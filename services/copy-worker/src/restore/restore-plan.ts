import type { ManifestEntry } from '@backtrac/store';

/** Where the selected entries go: back where they came from, or under one folder of one share. */
export type RestoreDestination =
  | { kind: 'original'; shares: ReadonlyMap<string, { key: string; root: readonly string[] }> }
  | { kind: 'folder'; key: string; base: readonly string[] };

export interface PlannedEntry {
  entry: ManifestEntry;
  /** The entry's true path components in the snapshot. */
  segments: readonly string[];
  /** Which open share it goes to. */
  key: string;
  /** Its path inside that share. */
  path: readonly string[];
  /** Its folder's children at the destination are exactly the snapshot's (mirror applies). */
  authoritative: boolean;
}

export type PlanOutcome = { planned: PlannedEntry } | { unplaceable: string } | null;

/** Characters a name cannot hold over SMB: the entry is reported, not restored. */
const SMB_UNWRITABLE = /[\\/\0]/;

/**
 * The selected prefixes without those inside another selected one (a folder and a file inside
 * it restore the folder once).
 */
export function normalizeSelection(paths: readonly string[]): string[][] {
  const prefixes = [...new Set(paths)].map((p) => p.split('/')).sort((a, b) => a.length - b.length);
  const kept: string[][] = [];
  for (const prefix of prefixes) if (!kept.some((k) => startsWith(prefix, k))) kept.push(prefix);
  return kept;
}

export function startsWith(segments: readonly string[], prefix: readonly string[]): boolean {
  if (segments.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (segments[i] !== prefix[i]) return false;
  return true;
}

/**
 * Places one manifest entry, or says why it cannot be placed; null when it is not selected. With
 * a folder destination, a selected folder keeps its own name under it (like `cp -r`), and the
 * whole snapshot lands as one folder per share.
 */
export function planEntry(entry: ManifestEntry, segments: readonly string[], selection: readonly string[][], destination: RestoreDestination, mirror: boolean): PlanOutcome {
  const prefix = selection.length === 0 ? [] : selection.find((p) => startsWith(segments, p));
  if (prefix === undefined) return null;
  if (segments.some((s) => SMB_UNWRITABLE.test(s))) return { unplaceable: 'its name holds a character SMB cannot carry (\\, / or NUL)' };
  const authoritative = mirror && entry.type === 'directory';
  if (destination.kind === 'folder') {
    const rel = prefix.length === 0 ? segments : segments.slice(prefix.length - 1);
    return { planned: { entry, segments, key: destination.key, path: [...destination.base, ...rel], authoritative } };
  }
  const share = destination.shares.get(segments[0] ?? '');
  if (!share) return { unplaceable: `the client has no share named ${JSON.stringify(segments[0])} any more` };
  return { planned: { entry, segments, key: share.key, path: [...share.root, ...segments.slice(1)], authoritative } };
}

/** The name a `rename` policy gives the restored copy beside an existing file: "a.restored-20260102T030405Z.txt". */
export function datedName(name: string, at: Date): string {
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}.restored-${stamp}${name.slice(dot)}` : `${name}.restored-${stamp}`;
}
