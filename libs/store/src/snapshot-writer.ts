import { lstatSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { lutimes, mkdir, open, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HardlinkStore, SnapshotMeta, SnapshotRef } from './hardlink-store.js';
import { EMPTY_SHA256, entryDiskPath, entrySegments, makeEntry, ManifestWriter, type EntryMeta, type ManifestEntry } from './manifest.js';
import { writeDurableJson } from './format.js';
import { FolderBuilder, type ClosedFolder, type CloseDecision, type SharedLink } from './folder-builder.js';
import { encodePath } from './name-codec.js';
import {
  buildChildren,
  CHILDREN_SUFFIX,
  formatChildren,
  repointLinks,
  SHARED_FOLDER_DEPTH,
  sharedLinkTarget,
  SNAPSHOT_DEPTH,
  TREES_FILE,
  type BuildContext,
} from './shared-folders.js';
import { errnoCode } from './store.errors.js';

export interface SnapshotWriterInit {
  client: string;
  seq: number;
  jobId: string;
  dir: string;
  stagingDir: string;
  refetch?: (entry: ManifestEntry, dest: string) => Promise<void>;
}

/** Leaves room below Linux's PATH_MAX (4096) for the names the store adds. */
const PATH_LIMIT = 3800;

export interface SharedFolderStats {
  /** Folders this snapshot added to dirs/. */
  stored: number;
  /** Folders it found already in dirs/ (unchanged, or the same content elsewhere). */
  reused: number;
}

export interface AddFileResult {
  entry: ManifestEntry;
  storedNew: boolean;
  bytesRead: number;
}

export interface CommitInfo {
  startedAt: Date;
  outcome: 'complete' | 'partial';
  stats?: Record<string, number>;
}

/**
 * Writes one snapshot under `<seq>.partial`. Tree operations (add*) may run concurrently; the
 * caller appends the returned entries to the manifest in path order, then commits.
 */
export class SnapshotWriter {
  readonly client: string;
  readonly seq: number;
  readonly jobId: string;
  /** The `.partial` directory being written. */
  readonly dir: string;
  readonly stagingDir: string;
  private readonly manifest: ManifestWriter;
  private readonly store: HardlinkStore;
  private closed = false;
  private readonly folders: FolderBuilder;
  /** Disk paths of the folders added with addDeferredDirectory that are still open. */
  private readonly deferred = new Set<string>();
  private readonly trees: string[] = [];
  private tmpCounter = 0;
  private readonly madeBuckets = new Set<string>();
  private readonly build: BuildContext;
  readonly sharedFolders: SharedFolderStats = { stored: 0, reused: 0 };

  constructor(store: HardlinkStore, init: SnapshotWriterInit) {
    this.store = store;
    this.client = init.client;
    this.seq = init.seq;
    this.jobId = init.jobId;
    this.dir = init.dir;
    this.stagingDir = init.stagingDir;
    this.manifest = new ManifestWriter(join(this.dir, '.backtrac', 'manifest.jsonl.gz'));
    this.folders = new FolderBuilder((folder) => this.closeFolder(folder));
    this.build = {
      linkContentFast: (sha256, dest) => this.store.pool.linkToFast(sha256, dest),
      linkContent: (sha256, dest) => this.store.pool.linkTo(sha256, dest, this.stagingDir),
      ...(init.refetch ? { refetch: init.refetch } : {}),
    };
  }

  /** Absolute on-disk path of a client path inside this snapshot; never outside `dir`. */
  diskPath(segments: readonly string[]): string {
    if (segments.length === 0) return this.dir;
    // Encoded components are never '', '.', '..' and hold no '/', so concatenation is exact.
    return `${this.dir}/${encodePath(segments)}`;
  }

  async addDirectory(segments: readonly string[], meta: EntryMeta): Promise<ManifestEntry> {
    if (this.inDeferred(segments)) return this.addDeferredDirectory(segments, meta);
    // Synchronous: one quick syscall, and the walk needs it done before it can go on, so a
    // thread-pool round trip would only add latency.
    mkdirSync(this.diskPath(segments));
    return makeEntry(segments, 'directory', { ...meta, size: 0 });
  }

  /**
   * A folder that is not created now: its entries (appended like any others) are only recorded,
   * and when it closes it becomes a link to the shared folder of its tree hash (found, or built
   * then) or, when small, a real directory built from the record. Everything below it is
   * deferred too. An unchanged shared folder so costs one symlink, with no link per file.
   */
  addDeferredDirectory(segments: readonly string[], meta: EntryMeta): ManifestEntry {
    this.deferred.add(encodePath(segments));
    return makeEntry(segments, 'directory', { ...meta, size: 0 });
  }

  /** True when `segments` is a folder added with addDeferredDirectory (or below one) and still open. */
  isDeferred(segments: readonly string[]): boolean {
    return segments.length > 0 && this.deferred.has(encodePath(segments));
  }

  /** True when the entry at `segments` lies in a deferred folder (so nothing is created for it now). */
  private inDeferred(segments: readonly string[]): boolean {
    return this.deferred.size > 0 && this.isDeferred(segments.slice(0, -1));
  }

  /** A symlink inside a deferred folder: recorded, created when the folder is built. */
  deferredSymlink(segments: readonly string[], target: string, meta: EntryMeta): ManifestEntry {
    return makeEntry(segments, 'symlink', { ...meta, size: Buffer.byteLength(target) }, { target });
  }

  /** An unchanged file inside a deferred folder, by its previous hash: recorded only. */
  deferredFile(segments: readonly string[], meta: EntryMeta, sha256: string): ManifestEntry {
    return makeEntry(segments, 'file', meta, { sha256: meta.size === 0 ? EMPTY_SHA256 : sha256 });
  }

  async addSymlink(segments: readonly string[], target: string, meta: EntryMeta): Promise<ManifestEntry> {
    if (this.inDeferred(segments)) return this.deferredSymlink(segments, target, meta);
    const p = this.diskPath(segments);
    await symlink(target, p);
    // Best effort: the manifest is the record; the link's own time only helps people browsing.
    await lutimes(p, meta.mtime / 1000, meta.mtime / 1000).catch(() => undefined);
    return makeEntry(segments, 'symlink', { ...meta, size: Buffer.byteLength(target) }, { target });
  }

  /** Empty files are created directly: one pool file for them would hit the link limit first. */
  async addEmptyFile(segments: readonly string[], meta: EntryMeta): Promise<ManifestEntry> {
    if (this.inDeferred(segments)) return this.deferredFile(segments, { ...meta, size: 0 }, EMPTY_SHA256);
    const fh = await open(this.diskPath(segments), 'wx', 0o444);
    await fh.close();
    return makeEntry(segments, 'file', { ...meta, size: 0 }, { sha256: EMPTY_SHA256 });
  }

  /**
   * Links an unchanged file from the pool by its previous hash. Returns undefined when the pool
   * no longer has that content (collected or quarantined), so the caller must fetch it again.
   */
  async linkFromPool(segments: readonly string[], meta: EntryMeta, sha256: string): Promise<ManifestEntry | undefined> {
    if (meta.size === 0 && sha256 === EMPTY_SHA256) return this.addEmptyFile(segments, meta);
    if (this.inDeferred(segments)) return (await this.store.pool.find(sha256)) !== undefined ? this.deferredFile(segments, meta, sha256) : undefined;
    const ok = await this.store.pool.linkTo(sha256, this.diskPath(segments), this.stagingDir);
    return ok ? makeEntry(segments, 'file', meta, { sha256 }) : undefined;
  }

  /**
   * linkFromPool for the common case, batched with other links on the pool's link thread, so the
   * caller can go on walking meanwhile. Undefined when that is not enough; use linkFromPool.
   */
  async linkFromPoolBatched(segments: readonly string[], meta: EntryMeta, sha256: string): Promise<ManifestEntry | undefined> {
    if (meta.size === 0) return undefined;
    if (this.inDeferred(segments)) return this.deferredFile(segments, meta, sha256);
    const outcome = await this.store.pool.linkToBatched(sha256, this.diskPath(segments));
    return outcome === 'linked' ? makeEntry(segments, 'file', meta, { sha256 }) : undefined;
  }

  /**
   * Links the content of a previous snapshot's file entry, at the same path, on the pool's link
   * thread; the entry itself is then the new snapshot's entry too. False when that is not enough
   * (use linkFromPool).
   */
  async relinkUnchanged(previous: ManifestEntry): Promise<boolean> {
    if (previous.type !== 'file' || previous.size === 0 || previous.sha256 === undefined) return false;
    if (this.deferred.size > 0) {
      const disk = entryDiskPath(previous);
      const slash = disk.lastIndexOf('/');
      if (slash > 0 && this.deferred.has(disk.slice(0, slash))) return true;
    }
    // The disk path recorded with the entry is the encoded path this writer would compute.
    return (await this.store.pool.linkToBatched(previous.sha256, `${this.dir}/${entryDiskPath(previous)}`)) === 'linked';
  }

  /** Reads the stream once: staged, hashed, pooled (unless known) and linked into the snapshot. */
  async addFile(
    segments: readonly string[],
    meta: EntryMeta,
    stream: AsyncIterable<Buffer | Uint8Array | string>,
    opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {},
  ): Promise<AddFileResult> {
    if (this.inDeferred(segments)) {
      // Pooled now (linked from staging meanwhile); linked into its folder when that is built.
      const r = await this.store.pool.ingest(stream, join(this.stagingDir, `deferred-${this.tmpCounter++}`), this.stagingDir, opts);
      await this.store.faultHook?.('linked');
      const sha256 = r.size === 0 ? EMPTY_SHA256 : r.sha256;
      return { entry: makeEntry(segments, 'file', { ...meta, size: r.size }, { sha256 }), storedNew: r.storedNew, bytesRead: r.size };
    }
    const r = await this.store.pool.ingest(stream, this.diskPath(segments), this.stagingDir, opts);
    if (r.size === 0) {
      // The pool never holds the empty content; a file that was empty when read is created directly.
      await rm(this.diskPath(segments), { force: true });
      const entry = await this.addEmptyFile(segments, { ...meta, size: 0 });
      return { entry, storedNew: false, bytesRead: 0 };
    }
    await this.store.faultHook?.('linked');
    return { entry: makeEntry(segments, 'file', { ...meta, size: r.size }, { sha256: r.sha256 }), storedNew: r.storedNew, bytesRead: r.size };
  }

  /**
   * Appends to the manifest; entries must come in path order (comparePaths), each after its
   * folder's own entry. A folder is finished (shared, built or left as it is) once the first entry
   * outside it is appended, so everything added inside it must be complete by then.
   */
  async append(entry: ManifestEntry): Promise<void> {
    await this.folders.add(entry);
    await this.manifest.append(entry);
  }

  /** True when dirs/ holds the shared folder of this tree hash. */
  hasSharedFolder(hash: string): boolean {
    try {
      return lstatSync(this.store.sharedFolderPath(hash)).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Takes over an unchanged shared folder whole: `folder` is its previous entry (with its tree
   * hash, which hasSharedFolder found), `entries` everything below it from the previous manifest,
   * in order. They are written to the manifest as they are and the folder becomes one link, with
   * no walk, no hashing and no link per file.
   */
  async appendUnchangedFolder(folder: ManifestEntry, entries: readonly ManifestEntry[]): Promise<void> {
    const tree = folder.tree as string;
    const segs = entrySegments(folder);
    let deepest = entryDiskPath(folder).length;
    const links: SharedLink[] = [];
    this.trees.push(JSON.stringify({ disk: entryDiskPath(folder), tree }));
    for (const e of entries) {
      const len = entryDiskPath(e).length;
      if (len > deepest) deepest = len;
      if (e.tree !== undefined) this.trees.push(JSON.stringify({ disk: entryDiskPath(e), tree: e.tree }));
    }
    await this.folders.addClosed(folder, { hash: tree, entries: entries.length, shared: true, links }, deepest);
    await this.manifest.append(folder);
    for (const e of entries) await this.manifest.append(e);
    this.sharedFolders.reused++;
    if (!this.isDeferred(segs.slice(0, -1))) await this.linkSharedFolder(segs, tree);
  }

  private async closeFolder(folder: ClosedFolder): Promise<CloseDecision> {
    const segs = folder.segments;
    if (segs.length === 0) return { shared: false };
    const deferred = this.deferred.delete(encodePath(segs));
    const parentDeferred = this.isDeferred(segs.slice(0, -1));
    // A folder whose deepest path would be too long for a system call at its place in dirs/ (or
    // while built in staging) stays a real directory.
    const fits = Math.max(this.store.sharedFolderPath(folder.hash).length, this.stagingDir.length + 24) + folder.deepestPath < PATH_LIMIT;
    const shared = fits && folder.entries >= this.store.sharedFolderThreshold;
    if (shared) this.trees.push(JSON.stringify({ disk: encodePath(segs), tree: folder.hash }));
    if (!deferred) {
      if (shared) await this.shareBuiltFolder(folder);
      return { shared };
    }
    if (shared) {
      await this.ensureSharedFolder(folder);
      if (!parentDeferred) await this.linkSharedFolder(segs, folder.hash);
      return { shared };
    }
    if (parentDeferred) return { shared, retain: true };
    const here = this.diskPath(segs);
    await mkdir(here);
    await buildChildren(here, SNAPSHOT_DEPTH + segs.length, folder.children, this.build);
    return { shared };
  }

  /** A folder built in place in the snapshot: moved into dirs/ (or dropped for the copy there), then linked. */
  private async shareBuiltFolder(folder: ClosedFolder): Promise<void> {
    const here = this.diskPath(folder.segments);
    if (!(await this.sharedFolderExists(folder.hash))) {
      await repointLinks(here, SHARED_FOLDER_DEPTH, folder.links);
      if (!(await this.publish(here, folder))) await this.discard(here);
    } else {
      this.sharedFolders.reused++;
      await this.discard(here);
    }
    await this.linkSharedFolder(folder.segments, folder.hash);
  }

  /** A deferred folder's shared copy: found in dirs/, or built under staging from the record and renamed there. */
  private async ensureSharedFolder(folder: ClosedFolder): Promise<void> {
    if (await this.sharedFolderExists(folder.hash)) {
      this.sharedFolders.reused++;
      return;
    }
    const build = join(this.stagingDir, `folder-${this.tmpCounter++}`);
    await mkdir(build);
    await buildChildren(build, SHARED_FOLDER_DEPTH, folder.children, this.build);
    if (!(await this.publish(build, folder))) await rm(build, { recursive: true, force: true });
  }

  // Folder closes run one at a time in manifest order, so their few quick system calls are made
  // synchronously: a thread-pool round trip each would stall the manifest behind a busy pool.
  private async linkSharedFolder(segments: readonly string[], hash: string): Promise<void> {
    symlinkSync(sharedLinkTarget(SNAPSHOT_DEPTH + segments.length - 1, hash), this.diskPath(segments));
  }

  private async sharedFolderExists(hash: string): Promise<boolean> {
    try {
      return lstatSync(this.store.sharedFolderPath(hash)).isDirectory();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * Makes a complete folder the shared folder of its hash: its `.children` first, then one
   * rename(2), which fails on an existing (never empty) folder of the same name, so a folder in
   * dirs/ is never replaced or seen half-built. False when the hash was there already.
   */
  private async publish(built: string, folder: ClosedFolder): Promise<boolean> {
    const target = this.store.sharedFolderPath(folder.hash);
    const bucket = dirname(target);
    if (!this.madeBuckets.has(bucket)) {
      mkdirSync(bucket, { recursive: true });
      this.madeBuckets.add(bucket);
    }
    const tmp = join(this.stagingDir, `children-${this.tmpCounter++}`);
    writeFileSync(tmp, formatChildren(folder.links));
    renameSync(tmp, target + CHILDREN_SUFFIX);
    await this.store.faultHook?.('folder-built');
    try {
      renameSync(built, target);
    } catch (err) {
      if (errnoCode(err) === 'ENOTEMPTY' || errnoCode(err) === 'EEXIST') {
        this.sharedFolders.reused++;
        return false;
      }
      throw err;
    }
    this.sharedFolders.stored++;
    await this.store.faultHook?.('folder-shared');
    return true;
  }

  /** Moves a built copy out of the snapshot; staging is removed with the job. */
  private async discard(dir: string): Promise<void> {
    renameSync(dir, join(this.stagingDir, `discard-${this.tmpCounter++}`));
  }

  get entryCount(): number {
    return this.manifest.entries;
  }

  /** Makes the snapshot durable and complete: manifest, meta, syncfs, then the rename. */
  async commit(info: CommitInfo): Promise<SnapshotRef> {
    await this.folders.finish();
    this.closed = true;
    // Durability comes from the store's single syncfs right before the rename (finishSnapshot).
    await this.manifest.close(false);
    if (this.trees.length > 0) await writeFile(join(this.dir, '.backtrac', TREES_FILE), this.trees.join('\n') + '\n', { flag: 'wx' });
    const meta: SnapshotMeta = {
      format: 1,
      client: this.client,
      seq: this.seq,
      jobId: this.jobId,
      startedAt: info.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      outcome: info.outcome,
      entries: this.manifest.entries,
      ...(info.stats ? { stats: info.stats } : {}),
    };
    await writeDurableJson(join(this.dir, '.backtrac', 'snapshot.json'), meta, false);
    await this.store.finishSnapshot(this.client, this.seq);
    await rm(this.stagingDir, { recursive: true, force: true });
    return { client: this.client, seq: this.seq, partial: false };
  }

  /** Stops without completing: the `.partial` stays for the next run of this client to clean. */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.manifest.abandon();
    await rm(this.stagingDir, { recursive: true, force: true });
  }
}
