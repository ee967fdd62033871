import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink, realpath, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FolderBuilder } from './folder-builder.js';
import type { HardlinkStore, SnapshotMeta } from './hardlink-store.js';
import { EMPTY_SHA256, entryDiskPath, type ManifestEntry } from './manifest.js';
import { parsePoolName } from './pool.js';
import { CHILDREN_SUFFIX, DIRS_DIR, formatChildren, parseSharedLinkTarget, readChildrenFile, scanSharedLinks } from './shared-folders.js';
import { errnoCode } from './store.errors.js';
import { TREE_HASH_RE } from './tree-hash.js';

export type FsckIssueKind =
  | 'partial-snapshot'
  | 'missing-manifest'
  | 'bad-entry'
  | 'orphan-pool-file'
  | 'stray-pool-file'
  | 'bad-shared-folder'
  | 'unreachable-shared-folder'
  | 'stray-shared-file';

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
  /** Distinct shared folders in dirs/ that finished snapshots reach. */
  sharedFolders: number;
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
  const report: FsckReport = { ok: true, snapshots: 0, entries: 0, poolFiles: 0, stagingFiles: 0, trashItems: 0, sharedFolders: 0, issues: [] };
  const issue = (i: FsckIssue): void => {
    report.ok = false;
    if (report.issues.length < max) report.issues.push(i);
  };
  const realRoot = await realpath(store.root);
  /** Shared folders already checked against their hash, `.children` and listing. */
  const checked = new Set<string>();
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
      // Recomputes every folder's tree hash from the manifest: a shared folder must carry the
      // hash of what the manifest lists inside it, and hold exactly that on disk.
      const folders = new FolderBuilder(async (folder) => {
        const tree = folder.entry?.tree;
        if (tree === undefined) return { shared: false };
        if (tree !== folder.hash) {
          issue({ kind: 'bad-shared-folder', client, seq: snap.seq, path: folder.entry?.path ?? '', detail: `tree hash ${tree} recorded, contents hash to ${folder.hash}` });
        } else if (!checked.has(tree)) {
          checked.add(tree);
          const problem = await checkSharedFolder(store, tree, folder.children.length, formatChildren(folder.links));
          if (problem) issue({ kind: 'bad-shared-folder', path: join(DIRS_DIR, tree), detail: problem });
        }
        return { shared: true };
      });
      try {
        for await (const entry of entries) {
          report.entries++;
          await folders.add(entry);
          const problem = await checkEntry(store, realRoot, join(dir, entryDiskPath(entry)), entry);
          if (problem) issue({ kind: 'bad-entry', client, seq: snap.seq, path: entry.path, detail: problem });
        }
        await folders.finish();
      } catch (err) {
        issue({ kind: 'missing-manifest', client, seq: snap.seq, detail: `manifest unreadable: ${(err as Error).message}` });
      }
    }
  }
  report.sharedFolders = checked.size;
  for await (const item of walkSharedFolders(store)) {
    if (item.kind === 'stray') issue({ kind: 'stray-shared-file', path: item.rel, detail: 'not <treehash>/ or <treehash>.children in its bucket' });
    else if (item.kind === 'children' && !item.folderExists) issue({ kind: 'stray-shared-file', path: item.rel, detail: '.children without its folder (gc removes it)' });
    else if (item.kind === 'folder' && !checked.has(item.hash)) issue({ kind: 'unreachable-shared-folder', path: item.rel, detail: 'no finished snapshot reaches this shared folder (gc removes it)' });
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

/** A shared folder's listing has one name per manifest child, and `.children` names its links. */
async function checkSharedFolder(store: HardlinkStore, hash: string, children: number, expectedChildren: string): Promise<string | undefined> {
  const dir = store.sharedFolderPath(hash);
  const names = await readdirSafe(dir);
  if (names.length !== children) return `holds ${names.length} entries, its manifest lists ${children}`;
  const listed = await readChildrenFile(dir + CHILDREN_SUFFIX);
  if (listed === undefined) return 'no .children file';
  if (listed.map((h) => h + '\n').join('') !== expectedChildren) return '.children differs from the shared folders it links to';
  return undefined;
}

export type SharedFolderItem =
  | { kind: 'folder'; rel: string; abs: string; hash: string }
  | { kind: 'children'; rel: string; abs: string; hash: string; folderExists: boolean }
  | { kind: 'stray'; rel: string; abs: string };

/** Everything below dirs/, one bucket at a time. */
export async function* walkSharedFolders(store: HardlinkStore): AsyncGenerator<SharedFolderItem> {
  const base = join(store.root, DIRS_DIR);
  for (const a of (await readdirSafe(base)).sort()) {
    for (const b of (await readdirSafe(join(base, a))).sort()) {
      const bucket = join(base, a, b);
      const names = (await readdirSafe(bucket)).sort();
      const present = new Set(names);
      for (const name of names) {
        const rel = join(DIRS_DIR, a, b, name);
        const abs = join(bucket, name);
        const hash = name.endsWith(CHILDREN_SUFFIX) ? name.slice(0, -CHILDREN_SUFFIX.length) : name;
        if (!TREE_HASH_RE.test(hash) || !hash.startsWith(a + b)) yield { kind: 'stray', rel, abs };
        else if (hash !== name) yield { kind: 'children', rel, abs, hash, folderExists: present.has(hash) };
        else yield { kind: 'folder', rel, abs, hash };
      }
    }
  }
}

async function checkEntry(store: HardlinkStore, realRoot: string, path: string, entry: ManifestEntry): Promise<string | undefined> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return 'missing on disk';
  }
  if (entry.type === 'directory') {
    if (entry.tree === undefined) return st.isDirectory() ? undefined : 'not a directory';
    if (!st.isSymbolicLink()) return 'shared folder is not a link to dirs/';
    // Only a link the manifest names a shared folder is resolved, and only to where it must lead.
    if (parseSharedLinkTarget(await readlink(path)) !== entry.tree) return `link does not name shared folder ${entry.tree}`;
    const resolved = await realpath(path).catch(() => undefined);
    if (resolved !== join(realRoot, DIRS_DIR, entry.tree.slice(0, 2), entry.tree.slice(2, 4), entry.tree)) return `link does not resolve to shared folder ${entry.tree}`;
    return (await lstat(resolved).catch(() => undefined))?.isDirectory() ? undefined : `shared folder ${entry.tree} is missing`;
  }
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
  /** Shared folders no finished or in-progress snapshot reaches, moved to trash and removed. */
  sharedFoldersRemoved: number;
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
  // Unreachable shared folders go first, so the pool files only they linked are collected below.
  const sharedFoldersRemoved = await collectSharedFolders(store);
  // trashRemoved counts what was deleted into trash (snapshots, cleaned .partial dirs), not the
  // folders this run put there itself.
  const trashRemoved = (await store.emptyTrash()) - sharedFoldersRemoved;
  const report: GcReport = { sharedFoldersRemoved, trashRemoved, poolFilesRemoved: 0, bytesFreed: 0, stagingRemoved: 0 };
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

/**
 * Marks the shared folders reachable from every snapshot, finished (its trees file) or in progress
 * (its links on disk, read, never followed), through each folder's `.children`, visiting each
 * distinct folder once; moves the rest to trash and removes `.children` files left without one.
 */
async function collectSharedFolders(store: HardlinkStore): Promise<number> {
  const marked = new Set<string>();
  const pending: string[] = [];
  const reach = (hash: string): void => {
    if (!marked.has(hash)) {
      marked.add(hash);
      pending.push(hash);
    }
  };
  for (const client of await store.listClients()) {
    for (const snap of await store.listSnapshots(client)) {
      if (snap.partial) await scanSharedLinks(store.snapshotDir(client, snap.seq, true), reach);
      else for (const hash of (await store.readSharedFolders(client, snap.seq)).values()) reach(hash);
    }
  }
  while (pending.length > 0) {
    const hash = pending.pop() as string;
    const dir = store.sharedFolderPath(hash);
    const children = await readChildrenFile(dir + CHILDREN_SUFFIX);
    // Without its list (never expected) the folder itself is read, so nothing it links is lost.
    if (children === undefined) await scanSharedLinks(dir, reach);
    else children.forEach(reach);
  }
  let removed = 0;
  for await (const item of walkSharedFolders(store)) {
    if (item.kind === 'folder' && !marked.has(item.hash)) {
      await rename(item.abs, join(store.root, 'trash', `dir-${item.hash}.${Date.now()}.${process.pid}`));
      await store.faultHook?.('folder-trashed');
      await unlink(item.abs + CHILDREN_SUFFIX).catch(() => undefined);
      removed++;
    } else if (item.kind === 'children' && (!item.folderExists || !marked.has(item.hash))) {
      await unlink(item.abs).catch(() => undefined);
    }
  }
  return removed;
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
