import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { lstat, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HardlinkStore } from './hardlink-store.js';
import { entryDiskPath, entrySegments, type ManifestEntry } from './manifest.js';
import { ESCAPE_PREFIX, encodeName, isLinuxSafeName } from './name-codec.js';
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
  /** Entries whose true name cannot exist on Linux ('/', NUL, '.', '..'), or that look escaped, and got an escaped name. */
  renamed: { path: string; restoredAs: string }[];
}

/**
 * The local name of a client name. A name that already starts with the escape prefix is escaped
 * too, so a crafted `~BT~<hash>~…` name can never land on the escaped name of another entry.
 */
function restoredName(name: string): string {
  return isLinuxSafeName(name) && !name.startsWith(ESCAPE_PREFIX) ? name : encodeName(name);
}

/** Directory handles are opened without following a symlink, so modes and times never land outside. */
const DIRECTORY_NOFOLLOW = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Copies a snapshot, a subtree or one file into `destDir` (the subtree keeps its own name, like
 * `cp -r`), re-hashing every byte against the manifest and setting modes and mtimes. Every
 * directory is lstat'ed before anything is put in it, and modes and times are set through handles
 * opened with O_NOFOLLOW, so a symlink (from the snapshot, or swapped in meanwhile) is never
 * followed out of `destDir`.
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
    const local = rel.map(restoredName);
    for (let i = 1; i < local.length; i++) {
      if (symlinks.has(local.slice(0, i).join('/'))) {
        throw new StoreError('UNSAFE_RESTORE_PATH', `${entry.path} lies below a symlink; refusing to follow it`);
      }
    }
    const target = join(destDir, ...local);
    if (local.some((s, i) => s !== rel[i])) report.renamed.push({ path: entry.path, restoredAs: local.join('/') });

    await requireRealDirectory(dirname(target), entry.path);
    if (entry.type === 'directory') {
      await makeDirectory(target, entry.path);
      dirs.push({ path: target, entry });
      report.directories++;
    } else if (entry.type === 'symlink') {
      await symlink(entry.target ?? '', target);
      await lutimes(target, entry.mtime / 1000, entry.mtime / 1000);
      symlinks.add(local.join('/'));
      report.symlinks++;
    } else {
      report.bytes += await copyVerified(join(snapDir, entryDiskPath(entry)), target, entry);
      report.files++;
    }
  }
  if (!matched && prefix.length > 0) throw new StoreError('ENTRY_NOT_FOUND', `${prefix.join('/')} is not in snapshot ${client}/${seq}`);
  // Children first so that setting a directory's time is not undone by writing into it.
  for (const { path, entry } of dirs.reverse()) {
    let fh;
    try {
      fh = await open(path, DIRECTORY_NOFOLLOW);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
        throw new StoreError('UNSAFE_RESTORE_PATH', `${entry.path}: ${path} is no longer a real directory; refusing to follow it`);
      }
      throw error;
    }
    try {
      if (entry.mode !== 0) await fh.chmod(entry.mode & RESTORE_MODE_MASK);
      await fh.utimes(entry.mtime / 1000, entry.mtime / 1000);
    } finally {
      await fh.close();
    }
  }
  return report;
}

async function requireRealDirectory(path: string, entryPath: string): Promise<void> {
  const info = await lstat(path);
  if (!info.isDirectory()) throw new StoreError('UNSAFE_RESTORE_PATH', `${entryPath}: ${path} is not a real directory (a symlink?); refusing to write through it`);
}

/** Creates one directory level; an existing one is used only if it is a real directory. */
async function makeDirectory(path: string, entryPath: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await requireRealDirectory(path, entryPath);
  }
}

function startsWith(segs: readonly string[], prefix: readonly string[]): boolean {
  if (segs.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (segs[i] !== prefix[i]) return false;
  return true;
}

async function copyVerified(src: string, dest: string, entry: ManifestEntry): Promise<number> {
  const hash = createHash('sha256');
  // 'wx' (O_CREAT|O_EXCL) refuses an existing name, a symlink planted there included; mode and
  // times are then set on this very handle, never on a path.
  const fh = await open(dest, 'wx', 0o600);
  let bytes = 0;
  let verified = false;
  try {
    for await (const chunk of createReadStream(src) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      await fh.write(chunk);
      bytes += chunk.length;
    }
    const actual = hash.digest('hex');
    if (actual !== entry.sha256 || bytes !== entry.size) {
      throw new StoreError('RESTORE_VERIFY_FAILED', `${entry.path}: expected ${entry.sha256} (${entry.size} B), read ${actual} (${bytes} B)`);
    }
    if (entry.mode !== 0) await fh.chmod(entry.mode & RESTORE_MODE_MASK);
    await fh.utimes(entry.mtime / 1000, entry.mtime / 1000);
    verified = true;
  } finally {
    await fh.close();
    if (!verified) await rm(dest, { force: true });
  }
  return bytes;
}
