import { createHash } from 'node:crypto';
import { compareNames } from './name-codec.js';
import type { EntryType, ManifestEntry } from './manifest.js';

/**
 * One entry of a folder as its tree hash sees it. `ref` is the content's sha256 (files), the
 * symlink target (symlinks) or the child folder's tree hash (directories).
 */
export interface TreeHashEntry {
  name: string;
  type: EntryType;
  mode: number;
  mtime: number;
  size: number;
  ref: string;
  /**
   * Directories only: the child is itself a shared folder (a symlink on disk). Part of the hash,
   * so one tree hash always names one on-disk layout, whatever threshold wrote it.
   */
  shared?: boolean;
}

const TREE_HASH_VERSION = 'backtrac-tree-1\n';
export const TREE_HASH_RE = /^[0-9a-f]{64}$/;

/**
 * SHA-256 over a folder's entries sorted by name (compareNames). Each entry is one JSON array
 * line `[name, type, mode, mtime, size, ref]`; JSON quoting makes every name and target
 * unambiguous, so two different folders never produce the same input.
 */
export function treeHash(entries: readonly TreeHashEntry[]): string {
  const sorted = [...entries].sort((a, b) => compareNames(a.name, b.name));
  const hash = createHash('sha256').update(TREE_HASH_VERSION);
  for (const e of sorted) {
    const type = e.type === 'directory' && e.shared === true ? 'shared-directory' : e.type;
    hash.update(JSON.stringify([e.name, type, e.mode, e.mtime, e.size, e.ref]) + '\n');
  }
  return hash.digest('hex');
}

/** The hash input of a manifest entry; `child` is the tree hash of a directory entry's folder. */
export function treeHashEntry(name: string, entry: ManifestEntry, child?: { hash: string; shared: boolean }): TreeHashEntry {
  const base = { name, type: entry.type, mode: entry.mode, mtime: entry.mtime, size: entry.size };
  if (entry.type === 'directory') {
    if (child === undefined) throw new Error(`tree hash of ${entry.path} needs its folder's hash`);
    return { ...base, size: 0, ref: child.hash, shared: child.shared };
  }
  if (entry.type === 'symlink') return { ...base, ref: entry.target ?? '' };
  return { ...base, ref: entry.sha256 ?? '' };
}
