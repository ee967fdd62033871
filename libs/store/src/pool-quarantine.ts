import { createHash } from 'node:crypto';
import { chmod, type FileHandle, link, lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { HardlinkStore } from './hardlink-store.js';
import { errnoCode } from './store.errors.js';

export interface QuarantinedContent {
  sha256: string;
  /** Store-relative paths the pool copies went to (quarantine/...). */
  movedTo: string[];
}

/**
 * Takes the pool copies of a content out of the pool when a read found them rotten, as verify
 * does: the next backup then finds the content missing and fetches it again instead of linking
 * the bad bytes (shared folders that hold it are walked, not taken over whole; see
 * HardlinkStore.quarantinedContents), and heals the rotten inode with the good bytes
 * (healQuarantinedContent). `inodeOf`, when given, limits this to the
 * copy that file is a hard link of (other numbered copies may still be sound).
 */
export async function quarantinePoolContent(store: HardlinkStore, sha256: string, inodeOf?: string): Promise<QuarantinedContent> {
  const result: QuarantinedContent = { sha256, movedTo: [] };
  let inode: number | undefined;
  if (inodeOf !== undefined) {
    try {
      inode = (await lstat(inodeOf)).ino;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  await mkdir(join(store.root, 'quarantine'), { recursive: true });
  for (const variant of await store.pool.variants(sha256)) {
    const path = store.pool.variantPath(sha256, variant);
    if (inode !== undefined) {
      const info = await lstat(path).catch(() => undefined);
      if (!info || info.ino !== inode) continue;
    }
    const to = join('quarantine', `${sha256}${variant ? `.${variant}` : ''}.${Date.now()}`);
    try {
      await rename(path, join(store.root, to));
      result.movedTo.push(to);
    } catch (err) {
      // Quarantined or collected meanwhile: it is out of the pool either way.
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  return result;
}

/** `quarantine/<sha256>[.<n>].<timestamp>`, as quarantinePoolContent and verify name them. */
const QUARANTINE_NAME_RE = /^([0-9a-f]{64})(?:\.(0|[1-9][0-9]*))?\.[0-9]+$/;

/** The content hash a quarantine file name stands for, or undefined for any other name. */
export function quarantinedSha256(name: string): string | undefined {
  return QUARANTINE_NAME_RE.exec(name)?.[1];
}

/** Store-relative paths (quarantine/...) of the quarantined copies of one content. */
export async function quarantinedCopies(store: HardlinkStore, sha256: string): Promise<string[]> {
  return (await readdirOrEmpty(join(store.root, 'quarantine'))).filter((name) => quarantinedSha256(name) === sha256).map((name) => join('quarantine', name));
}

export interface HealReport {
  sha256: string;
  /** Quarantine files whose inode now holds the good bytes again; their quarantine names are gone. */
  healed: string[];
  /** Store-relative pool paths the healed inodes are back under (pool/...). */
  returnedTo: string[];
  /** Quarantine files left in place, with why (the next backup that pools the content tries again). */
  failed: { file: string; reason: string }[];
}

/**
 * Writes the good bytes of a content back into its quarantined inodes, once the pool holds a
 * sound copy again (a backup fetched it anew). A quarantine file is still a hard link of the
 * rotten inode that older snapshots and shared folders link to, so rewriting that inode heals
 * every one of them at once, and a rebuilt folder whose tree hash matches an existing shared
 * folder may reuse it. Each healed inode is fsynced and re-hashed, then linked back into the pool
 * (under its old pool name, or the next free numbered one when the new copy holds that, so every
 * snapshot file still resolves to a pool file) and only then loses its quarantine name. The new copy the backup made is garbage once nothing links it, as usual.
 *
 * Crash safety: the bytes overwritten were rotten already, and the good copy is in the pool
 * (fsynced before the first write), so a crash mid-write makes nothing worse than it was (a crash
 * while the inode is writable leaves it so until the next heal, which makes it read-only again). The
 * quarantine name goes only after the inode verifies, so a crash before that leaves it listed and
 * the next backup heals it again (writing the same bytes twice is harmless, also when two runs
 * heal the same content at once). Pool files and shared folders are not renamed or re-pointed,
 * and no snapshot's entries change: only bytes that were wrong become the bytes the manifests say.
 */
export async function healQuarantinedContent(store: HardlinkStore, sha256: string): Promise<HealReport> {
  const report: HealReport = { sha256, healed: [], returnedTo: [], failed: [] };
  const copies = await quarantinedCopies(store, sha256);
  if (copies.length === 0) return report;
  const good = await store.pool.find(sha256);
  if (good === undefined) {
    for (const file of copies) report.failed.push({ file, reason: 'no pool copy to heal from' });
    return report;
  }
  const source = await open(good, 'r');
  let size: number;
  try {
    size = (await source.stat()).size;
    if ((await hashOf(source, size)) !== sha256) {
      for (const file of copies) report.failed.push({ file, reason: `the pool copy ${good} does not hash to its name` });
      return report;
    }
    await source.sync();
    for (const file of copies) {
      try {
        const back = await healOne(store, file, source, size, sha256);
        report.healed.push(file);
        if (back !== undefined) report.returnedTo.push(back);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue; // healed and removed by another run meanwhile
        report.failed.push({ file, reason: err instanceof Error ? err.message : String(err) });
      }
    }
  } finally {
    await source.close();
  }
  return report;
}

async function healOne(store: HardlinkStore, file: string, source: FileHandle, size: number, sha256: string): Promise<string | undefined> {
  const path = join(store.root, file);
  const info = await lstat(path);
  if (!info.isFile()) throw new Error(`${path} is not a regular file`);
  if (info.nlink > 1) {
    // Pool copies are read-only; the inode is writable only for as long as it is being healed.
    await chmod(path, info.mode | 0o200);
    try {
      const target = await open(path, 'r+');
      try {
        await copyInto(source, target, size);
        await target.truncate(size);
        await target.sync();
        const after = await hashOf(target, size);
        if (after !== sha256) throw new Error(`${path} still hashes to ${after} after the rewrite`);
      } finally {
        await target.close();
      }
    } finally {
      await chmod(path, 0o444);
    }
  }
  if (info.nlink <= 1) {
    // Nothing links the rotten inode any more, so there is nothing to heal.
    await unlink(path);
    return undefined;
  }
  const variant = Number(QUARANTINE_NAME_RE.exec(file.slice(file.lastIndexOf('/') + 1))?.[2] ?? 0);
  return returnToPool(store, path, sha256, variant, info.ino);
}

/**
 * Gives a healed inode a pool name again, never replacing an existing pool file: link(2) fails
 * on a taken name, and the next free number is tried. A crash between link and unlink leaves
 * both names, and the next heal finds the pool name is this inode already.
 */
async function returnToPool(store: HardlinkStore, path: string, sha256: string, preferred: number, ino: number): Promise<string> {
  await mkdir(dirname(store.pool.variantPath(sha256, preferred)), { recursive: true });
  let variant = preferred;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const target = store.pool.variantPath(sha256, variant);
    try {
      await link(path, target);
    } catch (err) {
      const code = errnoCode(err);
      const there = await lstat(target).catch(() => undefined);
      if (there?.ino === ino) {
        await unlink(path);
        return relative(store.root, target);
      }
      if (code === 'EEXIST' || there !== undefined) {
        variant = Math.max(variant, ...(await store.pool.variants(sha256))) + 1;
        continue;
      }
      if (code !== 'EMLINK') throw err;
      // The inode is at the link limit (the quarantine name counts): renaming keeps its count.
      // The name was free just now; a copy made there by another job meanwhile would be replaced,
      // which is as unlikely as it is visible to fsck.
      await rename(path, target);
      return relative(store.root, target);
    }
    await unlink(path);
    return relative(store.root, target);
  }
  throw new Error(`cannot find a free pool name for ${sha256}`);
}

const CHUNK = 1024 * 1024;

async function copyInto(from: FileHandle, to: FileHandle, size: number): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  for (let pos = 0; pos < size; ) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) throw new Error('the pool copy ended early');
    let written = 0;
    while (written < bytesRead) written += (await to.write(buf, written, bytesRead - written, pos + written)).bytesWritten;
    pos += bytesRead;
  }
}

async function hashOf(fh: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  for (let pos = 0; ; ) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return hash.digest('hex');
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}
