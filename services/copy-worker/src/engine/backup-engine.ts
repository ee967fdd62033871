import {
  compareNames,
  entrySegments,
  type HardlinkStore,
  healQuarantinedContent,
  type ManifestEntry,
  type SnapshotWriter,
} from '@backtrac/store';
import { abortedFailure, type BackupFailedError, sourceFailure, toBackupFailure } from './backup-failure.js';
import { toSourceError, type BackupSource, type SourceEntry } from './backup-source.js';
import { Semaphore } from './concurrency.js';
import { ManifestCursor } from './manifest-cursor.js';
import { OrderedManifestWriter, type PendingEntry } from './ordered-manifest-writer.js';
import { type BackupProgress, ProgressMeter } from './progress-meter.js';

export interface BackupOptions {
  client: string;
  jobId: string;
  /** Snapshot sequence from the catalog; defaults to the store's latest + 1. */
  seq?: number;
  /** Re-read every file and compare hashes instead of trusting (path, size, mtime). */
  full?: boolean;
  /** Files read concurrently (default 16, the copy worker's FILES_IN_FLIGHT default). */
  filesInFlight?: number;
  /** Snapshot to compare with; default the client's latest finished one; null for none. */
  previousSeq?: number | null;
  signal?: AbortSignal;
  onProgress?: (progress: BackupProgress) => void;
  onLog?: (event: BackupLogEvent) => void;
  /** Minimum time between progress events (default 500 ms); a last one is always sent. */
  progressIntervalMs?: number;
}

export interface BackupLogEvent {
  level: 'info' | 'warn' | 'error';
  message: string;
  path?: string;
  /** Stable reason for skipped entries: not-found, access-denied, locked, io, ... */
  reason?: string;
  at: Date;
}

export interface BackupCounters {
  filesNew: number;
  filesChanged: number;
  filesUnchanged: number;
  filesSkipped: number;
  filesDeleted: number;
  directories: number;
  /** Unchanged shared folders carried over as one link, without listing or walking them. */
  sharedFoldersTakenOver: number;
  symlinks: number;
  bytesRead: number;
  bytesStoredNew: number;
  /** Total size of the files in the snapshot. */
  bytesTotal: number;
  entries: number;
}

export interface BackupResult {
  client: string;
  seq: number;
  previousSeq: number | undefined;
  outcome: 'complete' | 'partial';
  counters: BackupCounters;
  startedAt: Date;
  finishedAt: Date;
}

const LIST_AHEAD = 16;

const pathKey = (segs: readonly string[]): string => segs.join('\0');

/**
 * Pulls one share into one new snapshot. The tree is walked depth-first in comparePaths order
 * next to the previous manifest, files are fetched several at a time, and entries are written
 * to the new manifest in the same order, so memory does not grow with the size of the tree.
 */
export class BackupEngine {
  private readonly store: HardlinkStore;

  constructor(store: HardlinkStore) {
    this.store = store;
  }

  async run(source: BackupSource, opts: BackupOptions): Promise<BackupResult> {
    return new BackupRun(this.store, source, opts).execute();
  }
}

class BackupRun {
  private readonly counters: BackupCounters = {
    filesNew: 0,
    filesChanged: 0,
    filesUnchanged: 0,
    filesSkipped: 0,
    filesDeleted: 0,
    directories: 0,
    sharedFoldersTakenOver: 0,
    symlinks: 0,
    bytesRead: 0,
    bytesStoredNew: 0,
    bytesTotal: 0,
    entries: 0,
  };
  private readonly reads: Semaphore;
  private readonly links = new Semaphore(32);
  private readonly startedAt = new Date();
  private readonly prefetched = new Map<string, Promise<SourceEntry[]>>();
  private fatal: BackupFailedError | undefined;
  private partial = false;
  private writer: SnapshotWriter | undefined;
  private output: OrderedManifestWriter | undefined;
  private readonly progress: ProgressMeter;
  private unchangedSeen = 0;
  /** Contents found rotten and quarantined; a backup that pools one again heals it in place. */
  private quarantined = new Set<string>();
  /** Folders (pathKey) of the previous snapshot whose subtree holds a quarantined content. */
  private readonly tainted = new Set<string>();
  private readonly heals = new Map<string, Promise<void>>();

  private readonly store: HardlinkStore;
  private readonly source: BackupSource;
  private readonly opts: BackupOptions;

  constructor(store: HardlinkStore, source: BackupSource, opts: BackupOptions) {
    this.store = store;
    this.source = source;
    this.opts = opts;
    this.reads = new Semaphore(opts.filesInFlight ?? 16);
    this.progress = new ProgressMeter({
      onProgress: opts.onProgress,
      intervalMs: opts.progressIntervalMs ?? 500,
      startedAt: this.startedAt,
      bytesRead: () => this.counters.bytesRead,
    });
  }

  async execute(): Promise<BackupResult> {
    const { client, jobId } = this.opts;
    const previousSeq = this.opts.previousSeq === null ? undefined : (this.opts.previousSeq ?? (await this.store.latestSnapshot(client)));
    if (previousSeq !== undefined) {
      const stats = (await this.store.readSnapshotMeta(client, previousSeq).catch(() => undefined))?.stats;
      if (stats?.files !== undefined && stats.bytes !== undefined) this.progress.estimateFrom({ files: stats.files, bytes: stats.bytes });
    }
    this.quarantined = await this.store.quarantinedContents();
    if (previousSeq !== undefined && this.quarantined.size > 0) await this.findTainted(previousSeq);
    // The root listing doubles as the reachability check: no snapshot is started without it.
    const root = await this.listOrFail([]);
    const writer = await this.store
      .beginSnapshot(client, { jobId, refetch: (entry, dest) => this.refetch(entry, dest), ...(this.opts.seq !== undefined ? { seq: this.opts.seq } : {}) })
      .catch((err: unknown) => {
        throw this.asFailure(err);
      });
    this.writer = writer;
    const output = new OrderedManifestWriter(writer, {
      onFailure: (err) => {
        this.fatal ??= this.asFailure(err);
      },
      failed: () => this.fatal !== undefined,
    });
    this.output = output;
    const prev = new ManifestCursor(
      previousSeq !== undefined ? this.store.readManifest(client, previousSeq) : undefined,
      (e) => this.removed(e),
      (err) => this.log('error', `previous manifest (snapshot ${previousSeq}) unreadable, the rest is read again: ${err instanceof Error ? err.message : String(err)}`, undefined, 'manifest'),
    );
    try {
      await this.walk(root, prev);
      this.progress.walkFinished();
      await prev.drain();
      await output.flush();
      this.throwIfFailed();
      this.counters.entries = output.appended;
      const stats = { ...this.counters, files: this.progress.filesDone, bytes: this.counters.bytesTotal };
      await writer.commit({ startedAt: this.startedAt, outcome: this.partial ? 'partial' : 'complete', stats });
    } catch (err) {
      await output.settle();
      await prev.close().catch(() => undefined);
      await writer.abandon().catch(() => undefined);
      throw this.asFailure(err);
    }
    this.progress.emit(true);
    return {
      client,
      seq: writer.seq,
      previousSeq,
      outcome: this.partial ? 'partial' : 'complete',
      counters: this.counters,
      startedAt: this.startedAt,
      finishedAt: new Date(),
    };
  }

  /**
   * A previous shared folder holding a quarantined (rotten) content must not be taken over whole:
   * it would keep linking the rotten bytes and the content would never be fetched again. Such
   * folders, and every folder above them, are walked like changed ones instead.
   */
  private async findTainted(previousSeq: number): Promise<void> {
    try {
      for await (const e of this.store.readManifest(this.opts.client, previousSeq)) {
        if (e.type !== 'file' || e.sha256 === undefined || !this.quarantined.has(e.sha256)) continue;
        const segs = entrySegments(e);
        for (let i = 1; i < segs.length; i++) this.tainted.add(pathKey(segs.slice(0, i)));
      }
    } catch {
      // An unreadable previous manifest is reported by the cursor, and then nothing is taken over.
    }
  }

  /** After a quarantined content is in the pool again: its rotten inode gets the good bytes. */
  private async healIfQuarantined(sha256: string | undefined, segs: readonly string[]): Promise<void> {
    if (sha256 === undefined || !this.quarantined.has(sha256)) return;
    let healing = this.heals.get(sha256);
    if (!healing) {
      healing = healQuarantinedContent(this.store, sha256).then(
        (report) => {
          if (report.healed.length > 0) this.log('info', `rotten pool content ${sha256} rewritten from the new copy; older snapshots are sound again`, segs, 'pool-healed');
          for (const f of report.failed) this.log('error', `rotten pool content ${sha256} not healed (${f.file}): ${f.reason}`, segs, 'pool-heal-failed');
        },
        (err: unknown) => this.log('error', `rotten pool content ${sha256} not healed: ${err instanceof Error ? err.message : String(err)}`, segs, 'pool-heal-failed'),
      );
      this.heals.set(sha256, healing);
    }
    await healing;
  }

  // ---- walk -------------------------------------------------------------------------------

  private async walk(rootEntries: SourceEntry[], prev: ManifestCursor): Promise<void> {
    const stack: { dir: string[]; entries: SourceEntry[]; next: number }[] = [{ dir: [], entries: this.prepare([], rootEntries), next: 0 }];
    while (stack.length > 0) {
      this.throwIfFailed();
      const frame = stack[stack.length - 1] as (typeof stack)[number];
      const entry = frame.entries[frame.next++];
      if (!entry) {
        stack.pop();
        continue;
      }
      const segs = [...frame.dir, entry.name];
      const found = await prev.seek(segs);
      const before = found && found.type === entry.type ? found : undefined;
      if (found && !before) this.removed(found);
      if (entry.type === 'directory' && (await this.takeOverUnchanged(segs, entry, before, prev))) continue;
      if (entry.type === 'directory') {
        // Created before anything inside it is scheduled; it is cheap and keeps order simple.
        let created: ManifestEntry;
        const dirMeta = { size: 0, mtime: entry.mtime, ...(entry.mode !== undefined ? { mode: entry.mode } : {}) };
        try {
          // Was a shared folder: likely unchanged, so nothing is created until its contents say so.
          created = !this.opts.full && before?.tree !== undefined && !this.tainted.has(pathKey(segs)) ? this.writer!.addDeferredDirectory(segs, dirMeta) : await this.writer!.addDirectory(segs, dirMeta);
        } catch (err) {
          if (!this.skipLocal(err, segs, before)) throw err;
          continue;
        }
        this.counters.directories++;
        await this.output!.push(Promise.resolve(created));
        this.prefetchSiblings(frame);
        const children = await this.listOrSkip(segs);
        if (children) stack.push({ dir: segs, entries: this.prepare(segs, children), next: 0 });
        continue;
      }
      if (entry.type === 'symlink') {
        if (entry.symlinkTarget === undefined || entry.symlinkTarget === '') {
          // e.g. an SMB reparse point whose target the client could not read: nothing to store.
          this.sourceFailure(Object.assign(new Error('symlink target unknown'), { code: 'EIO' }), segs, 'cannot read symlink', before);
          continue;
        }
        await this.output!.push(this.guard(this.symlink(segs, entry), segs, before));
        continue;
      }
      this.progress.seen(entry.size);
      const linking = this.linkUnchanged(segs, entry, before);
      if (linking) {
        // Nothing here waits for I/O; let sockets (SMB), timers and finished links in now and then.
        if (++this.unchangedSeen % 256 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        await this.output!.push(linking);
        continue;
      }
      await this.output!.push(this.guard(this.file(segs, entry, before), segs, before));
    }
  }

  /**
   * A folder the source vouches for as untouched (journal mode) that was a shared folder: it is
   * neither listed nor walked; its previous entries go to the manifest as they are and it becomes
   * one link.
   */
  private async takeOverUnchanged(segs: string[], entry: SourceEntry, before: ManifestEntry | undefined, prev: ManifestCursor): Promise<boolean> {
    if (this.opts.full || before?.tree === undefined || this.tainted.has(pathKey(segs)) || !this.source.isUnchangedSubtree?.(segs)) return false;
    if (before.mtime !== entry.mtime || before.mode !== (entry.mode ?? 0) || !this.writer!.hasSharedFolder(before.tree)) return false;
    const below = await prev.takeSubtree(segs);
    for (const e of below) {
      if (e.type === 'directory') this.counters.directories++;
      else if (e.type === 'symlink') this.counters.symlinks++;
      else {
        this.progress.seen(e.size);
        this.counters.filesUnchanged++;
        this.account(e);
      }
    }
    this.counters.directories++;
    this.counters.sharedFoldersTakenOver++;
    await this.output!.push(Promise.resolve({ folder: before, below }));
    return true;
  }

  /** Sorted in comparePaths order with duplicate names dropped (a hostile server may send them). */
  private prepare(dir: string[], entries: SourceEntry[]): SourceEntry[] {
    entries.sort((a, b) => compareNames(a.name, b.name));
    const out: SourceEntry[] = [];
    for (const e of entries) {
      const last = out[out.length - 1];
      if (last && last.name === e.name) {
        this.log('warn', 'duplicate name in directory listing; kept the first', [...dir, e.name], 'duplicate');
        continue;
      }
      out.push(e);
    }
    return out;
  }

  private async listOrFail(dir: string[]): Promise<SourceEntry[]> {
    try {
      return await this.source.list(dir, this.opts.signal);
    } catch (err) {
      const se = toSourceError(err);
      if (this.opts.signal?.aborted) throw abortedFailure({ cause: err });
      throw sourceFailure(se, `cannot list the share: ${se.message}`, err);
    }
  }

  /**
   * Starts listing the next few sibling directories while the current one is walked, so the
   * network round trips of listings overlap with linking. At most LIST_AHEAD per level.
   */
  private prefetchSiblings(frame: { dir: string[]; entries: SourceEntry[]; next: number }): void {
    let started = 0;
    for (let i = frame.next; i < frame.entries.length && started < LIST_AHEAD; i++) {
      const e = frame.entries[i] as SourceEntry;
      if (e.type !== 'directory') continue;
      const segs = [...frame.dir, e.name];
      const key = pathKey(segs);
      started++;
      if (this.prefetched.has(key) || this.source.isUnchangedSubtree?.(segs)) continue;
      const p = this.source.list(segs, this.opts.signal);
      p.catch(() => undefined); // observed when consumed
      this.prefetched.set(key, p);
    }
  }

  private async listOrSkip(dir: string[]): Promise<SourceEntry[] | undefined> {
    const key = pathKey(dir);
    const pending = this.prefetched.get(key);
    this.prefetched.delete(key);
    try {
      return await (pending ?? this.source.list(dir, this.opts.signal));
    } catch (err) {
      this.sourceFailure(err, dir, 'cannot list directory');
      return undefined;
    }
  }

  // ---- entries ----------------------------------------------------------------------------

  /** A folder being built needs an unchanged file whose content left the pool: read it again. */
  private async refetch(entry: ManifestEntry, dest: string): Promise<void> {
    const stream = await this.source.createReadStream(entrySegments(entry), this.opts.signal);
    const r = await this.store.pool.ingest(stream, dest, this.store.stagingDir(this.opts.client, this.opts.jobId), this.opts.signal ? { signal: this.opts.signal } : {});
    this.counters.bytesRead += r.size;
    if (r.sha256 === entry.sha256) await this.healIfQuarantined(r.sha256, entrySegments(entry));
    if (r.sha256 !== entry.sha256) throw new Error(`${entry.path} changed while its folder was being built; the next backup reads it again`);
  }

  private async symlink(segs: string[], entry: SourceEntry): Promise<ManifestEntry | undefined> {
    await this.links.acquire();
    try {
      const target = entry.symlinkTarget ?? '';
      const created = await this.writer!.addSymlink(segs, target, { size: 0, mtime: entry.mtime, ...(entry.mode !== undefined ? { mode: entry.mode } : {}) });
      this.counters.symlinks++;
      return created;
    } finally {
      this.links.release();
    }
  }

  /**
   * The incremental hot path: same (path, size, mtime), so the first pool copy is linked on the
   * store's link thread while the walk goes on. Anything unusual falls back to file().
   */
  private linkUnchanged(segs: string[], entry: SourceEntry, before: ManifestEntry | undefined): PendingEntry | undefined {
    if (this.opts.full || !before?.sha256 || entry.size === 0 || before.size !== entry.size || before.mtime !== entry.mtime) return undefined;
    const meta = { size: entry.size, mtime: entry.mtime, ...(entry.mode !== undefined ? { mode: entry.mode } : {}) };
    // Same mode too: the previous entry is the new one, as is (no new entry, no re-serialising).
    const linking = (entry.mode ?? 0) === before.mode
      ? this.writer!.relinkUnchanged(before).then((ok) => (ok ? before : undefined))
      : this.writer!.linkFromPoolBatched(segs, meta, before.sha256);
    return linking.then((linked) => {
      if (!linked) return this.guard(this.file(segs, entry, before), segs, before);
      this.counters.filesUnchanged++;
      this.account(linked);
      return linked;
    });
  }

  private async file(segs: string[], entry: SourceEntry, before: ManifestEntry | undefined): Promise<ManifestEntry | undefined> {
    const meta = { size: entry.size, mtime: entry.mtime, ...(entry.mode !== undefined ? { mode: entry.mode } : {}) };
    const path = segs.join('/');
    if (entry.size === 0) {
      await this.links.acquire();
      try {
        return this.classify(await this.writer!.addEmptyFile(segs, meta), before);
      } finally {
        this.links.release();
      }
    }
    const sameMeta = before?.sha256 !== undefined && before.size === entry.size && before.mtime === entry.mtime;
    if (sameMeta && !this.opts.full) {
      await this.links.acquire();
      try {
        const linked = await this.writer!.linkFromPool(segs, meta, before.sha256 as string);
        if (linked) {
          this.counters.filesUnchanged++;
          this.account(linked);
          return linked;
        }
        this.log('info', 'content missing from the pool (collected or quarantined); fetching it again', segs, 'pool-miss');
      } finally {
        this.links.release();
      }
    }
    await this.reads.acquire();
    try {
      this.throwIfFailed();
      this.progress.reading(path);
      let stream: AsyncIterable<Uint8Array>;
      try {
        stream = await this.source.createReadStream(segs, this.opts.signal);
      } catch (err) {
        this.sourceFailure(err, segs, 'cannot open file', before);
        return undefined;
      }
      let result;
      try {
        result = await this.writer!.addFile(segs, meta, tagSourceErrors(stream), {
          ...(this.opts.signal ? { signal: this.opts.signal } : {}),
          onBytes: (n: number) => {
            this.counters.bytesRead += n;
            this.progress.bytesIn(n);
          },
        });
      } catch (err) {
        if (err instanceof SourceStreamError) {
          this.sourceFailure(err.cause, segs, 'read failed', before);
          return undefined;
        }
        throw err;
      }
      if (result.storedNew) this.counters.bytesStoredNew += result.bytesRead;
      await this.healIfQuarantined(result.entry.sha256, segs);
      this.progress.readSettled(result.bytesRead);
      return this.classify(result.entry, before);
    } finally {
      this.reads.release();
    }
  }

  private classify(created: ManifestEntry, before: ManifestEntry | undefined): ManifestEntry {
    if (!before) {
      this.counters.filesNew++;
    } else if (before.sha256 !== created.sha256) {
      this.counters.filesChanged++;
    } else {
      this.counters.filesUnchanged++;
    }
    this.account(created);
    return created;
  }

  private account(entry: ManifestEntry): void {
    this.counters.bytesTotal += entry.size;
    this.progress.fileDone(entry.size);
  }

  /** Entries the store cannot hold (a path beyond PATH_MAX) are skipped like unreadable ones. */
  private async guard(task: PendingEntry, segs: readonly string[], before: ManifestEntry | undefined): PendingEntry {
    try {
      return await task;
    } catch (err) {
      if (this.skipLocal(err, segs, before)) return undefined;
      throw err;
    }
  }

  private skipLocal(err: unknown, segs: readonly string[], before: ManifestEntry | undefined): boolean {
    const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
    if (code !== 'ENAMETOOLONG') return false;
    this.partial = true;
    this.counters.filesSkipped++;
    if (before) this.removed(before);
    this.log('warn', 'path too long for the store; skipped', segs, 'path-too-long');
    return true;
  }

  // ---- bookkeeping ------------------------------------------------------------------------

  private removed(entry: ManifestEntry): void {
    if (entry.type === 'file') this.counters.filesDeleted++;
  }

  private sourceFailure(err: unknown, segs: readonly string[], what: string, before?: ManifestEntry): void {
    const se = toSourceError(err);
    if (this.opts.signal?.aborted) {
      this.fatal ??= abortedFailure({ cause: err });
      return;
    }
    if (se.fatal) {
      this.fatal ??= sourceFailure(se, `${what} ${segs.join('/')}: ${se.message}`, err);
      return;
    }
    this.partial = true;
    this.counters.filesSkipped++;
    this.progress.fileSkipped();
    if (before) this.removed(before);
    this.log('warn', `${what}: ${se.message}; skipped`, segs, se.kind);
  }

  private log(level: BackupLogEvent['level'], message: string, segs: readonly string[] | undefined, reason?: string): void {
    this.opts.onLog?.({ level, message, ...(segs ? { path: segs.join('/') } : {}), ...(reason ? { reason } : {}), at: new Date() });
  }

  private throwIfFailed(): void {
    if (this.opts.signal?.aborted) this.fatal ??= abortedFailure();
    if (this.fatal) throw this.fatal;
  }

  private asFailure(err: unknown): BackupFailedError {
    return toBackupFailure(err, this.opts.signal?.aborted ?? false);
  }
}

/** Marks errors raised while iterating the source stream, so they are not taken for store errors. */
class SourceStreamError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

async function* tagSourceErrors(stream: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await it.next();
      } catch (err) {
        throw new SourceStreamError(err);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await it.return?.();
  }
}
