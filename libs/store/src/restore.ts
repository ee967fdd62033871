import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, lutimes, mkdir, open, rm, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { HardlinkStore } from './hardlink-store.js';
import { entryDiskPath, entrySegments, type ManifestEntry } from './manifest.js';
import { encodeName, isLinuxSafeName } from './name-codec.js';
import { StoreError } from './store.errors.js';

/** Set-uid/set-gid bits of a client's files are not recreated on the server (the manifest keeps them). */
const RESTORE_MODE_MASK = 0o1777;

export interface RestoreOptions {
  /** A subtree or a single file (client path, or its components); the whole snapshot when absent. */
  path?: string | readonly string[];
  signal?: AbortSignal;
}

export interface RestoreReport {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
  /** Entries whose true name cannot exist on Linux ('/', NUL, '.', '..') and got an escaped name. */
  renamed: { path: string; restoredAs: string }[];
}

/**
 * Copies a snapshot, a subtree or one file into `destDir` (the subtree keeps its own name, like
 * `cp -r`), re-hashing every byte against the manifest and setting modes and mtimes.
 */
export async function restoreSnapshot(
  store: HardlinkStore,
  client: string,
  seq: number,
  destDir: string,
  opts: RestoreOptions = {},
): Promise<RestoreReport> {
  const prefix = typeof opts.path === 'string' ? (opts.path === '' ? [] : opts.path.split('/')) : [...(opts.path ?? [])];
  const snapDir = store.snapshotDir(client, seq);
  const report: RestoreReport = { files: 0, directories: 0, symlinks: 0, bytes: 0, renamed: [] };
  const dirs: { path: string; entry: ManifestEntry }[] = [];
  const symlinks = new Set<string>();
  await mkdir(destDir, { recursive: true });
  let matched = false;

  for await (const entry of store.readManifest(client, seq)) {
    if (opts.signal?.aborted) throw new StoreError('ABORTED', 'restore aborted');
    const segs = entrySegments(entry);
    if (!startsWith(segs, prefix)) continue;
    matched = true;
    const rel = prefix.length === 0 ? segs : segs.slice(prefix.length - 1);
    const local = rel.map((s) => (isLinuxSafeName(s) ? s : encodeName(s)));
    for (let i = 1; i < local.length; i++) {
      if (symlinks.has(local.slice(0, i).join('/'))) {
        throw new StoreError('UNSAFE_RESTORE_PATH', `${entry.path} lies below a symlink; refusing to follow it`);
      }
    }
    const target = join(destDir, ...local);
    if (local.some((s, i) => s !== rel[i])) report.renamed.push({ path: entry.path, restoredAs: local.join('/') });

    if (entry.type === 'directory') {
      await mkdir(target, { recursive: true });
      dirs.push({ path: target, entry });
      report.directories++;
    } else if (entry.type === 'symlink') {
      await symlink(entry.target ?? '', target);
      await lutimes(target, entry.mtime / 1000, entry.mtime / 1000);
      symlinks.add(local.join('/'));
      report.symlinks++;
    } else {
      report.bytes += await copyVerified(join(snapDir, entryDiskPath(entry)), target, entry);
      if (entry.mode !== 0) await chmod(target, entry.mode & RESTORE_MODE_MASK);
      await utimes(target, entry.mtime / 1000, entry.mtime / 1000);
      report.files++;
    }
  }
  if (!matched && prefix.length > 0) throw new StoreError('ENTRY_NOT_FOUND', `${prefix.join('/')} is not in snapshot ${client}/${seq}`);
  // Children first so that setting a directory's time is not undone by writing into it.
  for (const { path, entry } of dirs.reverse()) {
    if (entry.mode !== 0) await chmod(path, entry.mode & RESTORE_MODE_MASK);
    await utimes(path, entry.mtime / 1000, entry.mtime / 1000);
  }
  return report;
}

function startsWith(segs: readonly string[], prefix: readonly string[]): boolean {
  if (segs.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (segs[i] !== prefix[i]) return false;
  return true;
}

async function copyVerified(src: string, dest: string, entry: ManifestEntry): Promise<number> {
  const hash = createHash('sha256');
  // 'wx' (O_CREAT|O_EXCL) refuses an existing name, a symlink planted there included.
  const fh = await open(dest, 'wx', 0o600);
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(src) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      await fh.write(chunk);
      bytes += chunk.length;
    }
  } finally {
    await fh.close();
  }
  const actual = hash.digest('hex');
  if (actual !== entry.sha256 || bytes !== entry.size) {
    await rm(dest, { force: true });
    throw new StoreError('RESTORE_VERIFY_FAILED', `${entry.path}: expected ${entry.sha256} (${entry.size} B), read ${actual} (${bytes} B)`);
  }
  return bytes;
}
