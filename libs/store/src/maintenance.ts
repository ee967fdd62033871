import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { HardlinkStore, SnapshotMeta } from './hardlink-store.js';
import { EMPTY_SHA256, entryDiskPath, type ManifestEntry } from './manifest.js';
import { parsePoolName } from './pool.js';
import { errnoCode } from './store.errors.js';

export type FsckIssueKind = 'partial-snapshot' | 'missing-manifest' | 'bad-entry' | 'orphan-pool-file' | 'stray-pool-file';

export interface FsckIssue {
  kind: FsckIssueKind;
  client?: string;
  seq?: number;
  path?: string;
  detail: string;
}

export interface FsckReport {
  ok: boolean;
  snapshots: number;
  entries: number;
  poolFiles: number;
  /** Files in staging/: normal while a backup runs, left-overs of a crash otherwise. */
  stagingFiles: number;
  trashItems: number;
  issues: FsckIssue[];
}

export interface PoolFile {
  /** Path relative to the store root. */
  rel: string;
  abs: string;
  sha256: string;
  variant: number;
}

/** Every file below pool/, valid names or not, one bucket directory at a time. */
export async function* walkPool(store: HardlinkStore): AsyncGenerator<PoolFile | { rel: string; abs: string; stray: true }> {
  for (const a of (await readdirSafe(store.pool.dir)).sort()) {
    for (const b of (await readdirSafe(join(store.pool.dir, a))).sort()) {
      const bucket = join(store.pool.dir, a, b);
      for (const name of (await readdirSafe(bucket)).sort()) {
        const rel = join('pool', a, b, name);
        const abs = join(bucket, name);
        const parsed = parsePoolName(name);
        if (parsed && parsed.sha256.startsWith(a + b)) yield { rel, abs, ...parsed };
        else yield { rel, abs, stray: true };
      }
    }
  }
}

/**
 * Checks that every finished snapshot is complete and every file in it is a hard link to the
 * pool file of its sha256, and reports unfinished snapshots and unreferenced pool files.
 */
export async function fsck(store: HardlinkStore, opts: { maxIssues?: number } = {}): Promise<FsckReport> {
  const max = opts.maxIssues ?? 10_000;
  const report: FsckReport = { ok: true, snapshots: 0, entries: 0, poolFiles: 0, stagingFiles: 0, trashItems: 0, issues: [] };
  const issue = (i: FsckIssue): void => {
    report.ok = false;
    if (report.issues.length < max) report.issues.push(i);
  };
  for (const client of await store.listClients()) {
    for (const snap of await store.listSnapshots(client)) {
      if (snap.partial) {
        issue({ kind: 'partial-snapshot', client, seq: snap.seq, detail: 'unfinished snapshot (.partial)' });
        continue;
      }
      report.snapshots++;
      const dir = store.snapshotDir(client, snap.seq);
      let entries: AsyncGenerator<ManifestEntry>;
      try {
        await lstat(store.manifestPath(client, snap.seq));
        entries = store.readManifest(client, snap.seq);
      } catch {
        issue({ kind: 'missing-manifest', client, seq: snap.seq, detail: 'snapshot has no manifest' });
        continue;
      }
      try {
        for await (const entry of entries) {
          report.entries++;
          const problem = await checkEntry(store, join(dir, entryDiskPath(entry)), entry);
          if (problem) issue({ kind: 'bad-entry', client, seq: snap.seq, path: entry.path, detail: problem });
        }
      } catch (err) {
        issue({ kind: 'missing-manifest', client, seq: snap.seq, detail: `manifest unreadable: ${(err as Error).message}` });
      }
    }
  }
  for await (const f of walkPool(store)) {
    report.poolFiles++;
    if ('stray' in f) {
      issue({ kind: 'stray-pool-file', path: f.rel, detail: 'name is not <sha256>[.<n>] in its bucket' });
      continue;
    }
    const st = await lstat(f.abs);
    if (st.nlink <= 1) issue({ kind: 'orphan-pool-file', path: f.rel, detail: 'no snapshot links this pool file (gc removes it)' });
  }
  report.stagingFiles = await countFiles(join(store.root, 'staging'));
  report.trashItems = (await readdirSafe(join(store.root, 'trash'))).length;
  return report;
}

async function checkEntry(store: HardlinkStore, path: string, entry: ManifestEntry): Promise<string | undefined> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return 'missing on disk';
  }
  if (entry.type === 'directory') return st.isDirectory() ? undefined : 'not a directory';
  if (entry.type === 'symlink') {
    if (!st.isSymbolicLink()) return 'not a symlink';
    return (await readlink(path)) === entry.target ? undefined : 'symlink target differs from manifest';
  }
  if (!st.isFile()) return 'not a regular file';
  if (st.size !== entry.size) return `size ${st.size} differs from manifest ${entry.size}`;
  if (entry.size === 0) return entry.sha256 === EMPTY_SHA256 ? undefined : 'empty file with a non-empty hash';
  if (entry.sha256 === undefined) return 'file without sha256';
  const base = store.pool.variantPath(entry.sha256, 0);
  try {
    if ((await lstat(base)).ino === st.ino) return undefined;
  } catch {
    // fall through to the numbered copies
  }
  for (const v of await store.pool.variants(entry.sha256)) {
    if (v === 0) continue;
    if ((await lstat(store.pool.variantPath(entry.sha256, v))).ino === st.ino) return undefined;
  }
  return `not linked to pool file ${entry.sha256}`;
}

export interface GcReport {
  trashRemoved: number;
  poolFilesRemoved: number;
  bytesFreed: number;
  /** Job staging directories left by crashed workers (older than `stagingMaxAgeMs`). */
  stagingRemoved: number;
}

export interface GcOptions {
  /** Staging directories untouched for this long belong to no running job (default 24 h). */
  stagingMaxAgeMs?: number;
}

/**
 * Empties trash/ and removes pool files no snapshot links (link count 1). Run it from the
 * maintenance queue, not concurrently with backups: a backup may be about to link such a file.
 */
export async function gc(store: HardlinkStore, opts: GcOptions = {}): Promise<GcReport> {
  const report: GcReport = { trashRemoved: await store.emptyTrash(), poolFilesRemoved: 0, bytesFreed: 0, stagingRemoved: 0 };
  // A client's own next backup cleans its staging; this catches clients that never come back.
  const cutoff = Date.now() - (opts.stagingMaxAgeMs ?? 24 * 3600 * 1000);
  const staging = join(store.root, 'staging');
  for (const client of await readdirSafe(staging)) {
    for (const job of await readdirSafe(join(staging, client))) {
      const dir = join(staging, client, job);
      const st = await lstat(dir).catch(() => undefined);
      if (!st || st.mtimeMs >= cutoff) continue;
      await rm(dir, { recursive: true, force: true });
      report.stagingRemoved++;
    }
  }
  for await (const f of walkPool(store)) {
    if ('stray' in f) continue;
    const st = await lstat(f.abs);
    if (st.nlink > 1) continue;
    await unlink(f.abs);
    report.poolFilesRemoved++;
    report.bytesFreed += st.size;
  }
  return report;
}

export interface VerifyOptions {
  /** Share of the pool to re-hash, 0 < fraction ≤ 1; selection by hash so nights can rotate. */
  fraction?: number;
  /** Start of the selected hash range in [0, 1); pass e.g. (night × fraction) mod 1. */
  offset?: number;
  signal?: AbortSignal;
}

export interface CorruptPoolFile {
  file: string;
  expected: string;
  actual: string;
  /** Where it went: the next backup no longer finds the content and fetches it again. */
  quarantinedTo: string;
}

export interface VerifyReport {
  checked: number;
  bytes: number;
  corrupt: CorruptPoolFile[];
}

export async function verify(store: HardlinkStore, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const fraction = opts.fraction ?? 1;
  const offset = opts.offset ?? 0;
  const report: VerifyReport = { checked: 0, bytes: 0, corrupt: [] };
  for await (const f of walkPool(store)) {
    if (opts.signal?.aborted) break;
    if ('stray' in f) continue;
    const position = parseInt(f.sha256.slice(0, 8), 16) / 2 ** 32;
    if (fraction < 1 && (((position - offset) % 1) + 1) % 1 >= fraction) continue;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(f.abs) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      report.bytes += chunk.length;
    }
    report.checked++;
    const actual = hash.digest('hex');
    if (actual === f.sha256) continue;
    const quarantinedTo = join('quarantine', `${f.sha256}${f.variant ? '.' + f.variant : ''}.${Date.now()}`);
    await rename(f.abs, join(store.root, quarantinedTo));
    report.corrupt.push({ file: f.rel, expected: f.sha256, actual, quarantinedTo });
  }
  return report;
}

export interface SnapshotRecord {
  client: string;
  seq: number;
  meta: SnapshotMeta;
  /** The snapshot's manifest, streamed; call once per consumer. */
  entries(): AsyncGenerator<ManifestEntry>;
}

/** Every finished snapshot in (client, seq) order, for rebuilding the catalog from manifests. */
export async function* rebuildRecords(store: HardlinkStore): AsyncGenerator<SnapshotRecord> {
  for (const client of await store.listClients()) {
    for (const snap of await store.listSnapshots(client)) {
      if (snap.partial) continue;
      const meta = await store.readSnapshotMeta(client, snap.seq);
      yield { client, seq: snap.seq, meta, entries: () => store.readManifest(client, snap.seq) };
    }
  }
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) if (!e.isDirectory()) n++;
  return n;
}
