import { mkdirSync } from 'node:fs';
import { lutimes, open, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { HardlinkStore, SnapshotMeta, SnapshotRef } from './hardlink-store.js';
import { EMPTY_SHA256, entryDiskPath, makeEntry, ManifestWriter, type EntryMeta, type ManifestEntry } from './manifest.js';
import { writeDurableJson } from './format.js';
import { encodePath } from './name-codec.js';

export interface SnapshotWriterInit {
  client: string;
  seq: number;
  jobId: string;
  dir: string;
  stagingDir: string;
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

  constructor(store: HardlinkStore, init: SnapshotWriterInit) {
    this.store = store;
    this.client = init.client;
    this.seq = init.seq;
    this.jobId = init.jobId;
    this.dir = init.dir;
    this.stagingDir = init.stagingDir;
    this.manifest = new ManifestWriter(join(this.dir, '.backtrac', 'manifest.jsonl.gz'));
  }

  /** Absolute on-disk path of a client path inside this snapshot; never outside `dir`. */
  diskPath(segments: readonly string[]): string {
    if (segments.length === 0) return this.dir;
    // Encoded components are never '', '.', '..' and hold no '/', so concatenation is exact.
    return `${this.dir}/${encodePath(segments)}`;
  }

  async addDirectory(segments: readonly string[], meta: EntryMeta): Promise<ManifestEntry> {
    // Synchronous: one quick syscall, and the walk needs it done before it can go on, so a
    // thread-pool round trip would only add latency.
    mkdirSync(this.diskPath(segments));
    return makeEntry(segments, 'directory', { ...meta, size: 0 });
  }

  async addSymlink(segments: readonly string[], target: string, meta: EntryMeta): Promise<ManifestEntry> {
    const p = this.diskPath(segments);
    await symlink(target, p);
    // Best effort: the manifest is the record; the link's own time only helps people browsing.
    await lutimes(p, meta.mtime / 1000, meta.mtime / 1000).catch(() => undefined);
    return makeEntry(segments, 'symlink', { ...meta, size: Buffer.byteLength(target) }, { target });
  }

  /** Empty files are created directly: one pool file for them would hit the link limit first. */
  async addEmptyFile(segments: readonly string[], meta: EntryMeta): Promise<ManifestEntry> {
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
    const ok = await this.store.pool.linkTo(sha256, this.diskPath(segments), this.stagingDir);
    return ok ? makeEntry(segments, 'file', meta, { sha256 }) : undefined;
  }

  /**
   * linkFromPool for the common case, batched with other links on the pool's link thread, so the
   * caller can go on walking meanwhile. Undefined when that is not enough; use linkFromPool.
   */
  async linkFromPoolBatched(segments: readonly string[], meta: EntryMeta, sha256: string): Promise<ManifestEntry | undefined> {
    if (meta.size === 0) return undefined;
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

  /** Appends to the manifest; entries must come in path order (comparePaths). */
  async append(entry: ManifestEntry): Promise<void> {
    await this.manifest.append(entry);
  }

  get entryCount(): number {
    return this.manifest.entries;
  }

  /** Makes the snapshot durable and complete: manifest, meta, syncfs, then the rename. */
  async commit(info: CommitInfo): Promise<SnapshotRef> {
    this.closed = true;
    // Durability comes from the store's single syncfs right before the rename (finishSnapshot).
    await this.manifest.close(false);
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
