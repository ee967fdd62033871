import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { NtStatus, SmbStatusError, type SmbEntry, type SmbSession } from '@backtrac/smb';
import { entryDiskPath, type HardlinkStore, quarantinePoolContent, StoreError } from '@backtrac/store';
import type { RestorePolicy } from '@backtrac/catalog';
import { datedName, type PlannedEntry } from './restore-plan.js';

export interface RestoreCounters {
  restored: number;
  skipped: number;
  renamed: number;
  failed: number;
  removed: number;
  bytes: number;
}

export interface RestoreProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  currentPath: string | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

export interface RestoreLogEvent {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  path?: string;
}

export interface RestoreWriterOptions {
  client: string;
  seq: number;
  restoreId: string;
  policy: RestorePolicy;
  verifyReadBack: boolean;
  /** A later attempt of the same restore: files already in place (size + mtime) are not rewritten. */
  resume: boolean;
  /** The time in the dated names the rename policy gives (the restore's creation, so retries agree). */
  renameStamp: Date;
  filesInFlight: number;
  signal: AbortSignal;
  /** Open connections per destination; files are spread over them (smbd serves each connection in its own process). */
  sessions: ReadonlyMap<string, readonly SmbSession[]>;
  onLog(event: RestoreLogEvent): void;
  onProgress(progress: RestoreProgress, counters: RestoreCounters): void;
}

const PROGRESS_EVERY_MS = 500;
const LISTINGS_IN_FLIGHT = 16;
const WRITE_CHUNK = 4 * 1024 * 1024;
const NOT_FOUND = new Set<number>([NtStatus.OBJECT_NAME_NOT_FOUND, NtStatus.OBJECT_PATH_NOT_FOUND]);

const parentOf = (path: readonly string[]): string => path.slice(0, -1).join('/');
const nameOf = (path: readonly string[]): string => path[path.length - 1] ?? '';
const dirKey = (key: string, dir: string): string => `${key}\0${dir}`;

/** Same size and the same mtime to the millisecond (SMB keeps 100 ns, the manifest keeps fractions of ms). */
function inPlace(existing: SmbEntry | undefined, entry: PlannedEntry['entry']): boolean {
  return existing !== undefined && existing.type === 'file' && existing.size === entry.size && Math.abs(existing.mtime.getTime() - entry.mtime) < 1;
}

/**
 * Writes planned snapshot entries into open SMB shares: folders first, then files (several in
 * flight), each streamed from the store, hashed on the way out, written under a temporary name
 * in its folder and renamed into place once complete and verified; folder mtimes last, deepest
 * first. Mirror removes what an authoritative folder holds beyond the snapshot.
 */
export class RestoreWriter {
  readonly counters: RestoreCounters = { restored: 0, skipped: 0, renamed: 0, failed: 0, removed: 0, bytes: 0 };
  private readonly tempPrefix: string;
  private filesTotal = 0;
  private bytesTotal = 0;
  private bytesDone = 0;
  private currentPath: string | null = null;
  private readonly startedAt = Date.now();
  private lastProgress = 0;
  private written = 0;
  private listed = 0;
  /** Folders this restore created, and folders whose entries it changed (their times need setting). */
  private readonly created = new Set<string>();
  private readonly touched = new Set<string>();

  private readonly store: HardlinkStore;
  private readonly opts: RestoreWriterOptions;

  // Plain fields rather than parameter properties, so the benchmark can load this file with Node's type stripping.
  constructor(store: HardlinkStore, opts: RestoreWriterOptions) {
    this.store = store;
    this.opts = opts;
    this.tempPrefix = `.bt-restore-${opts.restoreId.slice(0, 8)}-`;
  }

  totals(entries: readonly PlannedEntry[]): { files: number; bytes: number } {
    let files = 0;
    let bytes = 0;
    for (const p of entries) {
      if (p.entry.type === 'directory') continue;
      files++;
      if (p.entry.type === 'file') bytes += p.entry.size;
    }
    return { files, bytes };
  }

  async run(entries: readonly PlannedEntry[]): Promise<RestoreCounters> {
    const totals = this.totals(entries);
    this.filesTotal = totals.files;
    this.bytesTotal = totals.bytes;
    const dirs = entries.filter((p) => p.entry.type === 'directory');
    const leaves = entries.filter((p) => p.entry.type !== 'directory');

    const listings = await this.prepareFolders(entries);
    await this.mirror(entries, listings);
    await this.pool(leaves, (p) => this.leaf(p, listings.get(dirKey(p.key, parentOf(p.path)))?.get(nameOf(p.path))));
    this.throwIfAborted();
    // Only now, when nothing more is added to or removed from any folder: a folder's time moves
    // when its entries change, never when a sub-folder's time is set, so the order is free.
    const stale = dirs.filter((p) => p.path.length > 0 && this.folderTimeStale(p, listings));
    let spread = 0;
    await this.pool(stale, async (p) => {
      try {
        await this.session(p.key, spread++).setTimes(p.path.join('/'), { mtime: new Date(p.entry.mtime) });
      } catch (error) {
        if (!(error instanceof SmbStatusError)) throw error;
        this.log('warn', `cannot set the folder's time: ${error.message}`, p);
      }
    });
    this.report(true);
    return this.counters;
  }

  /** A folder needs its time set unless it was there before, unchanged and with the right time. */
  private folderTimeStale(p: PlannedEntry, listings: Map<string, Map<string, SmbEntry>>): boolean {
    const k = dirKey(p.key, p.path.join('/'));
    if (this.created.has(k) || this.touched.has(k)) return true;
    const before = listings.get(dirKey(p.key, parentOf(p.path)))?.get(nameOf(p.path));
    return before === undefined || Math.abs(before.mtime.getTime() - p.entry.mtime) >= 1;
  }

  /**
   * Lists every folder the restore writes into or mirrors, creating the missing ones, shallow
   * ones first: what exists decides the policy, mirror and resume. A folder inside one just
   * created cannot exist, so it is created without being listed.
   */
  private async prepareFolders(entries: readonly PlannedEntry[]): Promise<Map<string, Map<string, SmbEntry>>> {
    const folders = new Map<string, { key: string; path: string; depth: number }>();
    const want = (key: string, path: string) => folders.set(dirKey(key, path), { key, path, depth: path === '' ? 0 : path.split('/').length });
    for (const p of entries) {
      if (p.entry.type !== 'directory') want(p.key, parentOf(p.path));
      else want(p.key, p.path.join('/'));
    }
    const listings = new Map<string, Map<string, SmbEntry>>();
    const depths = [...new Set([...folders.values()].map((f) => f.depth))].sort((a, b) => a - b);
    for (const depth of depths) {
      this.throwIfAborted();
      await this.pool([...folders.values()].filter((f) => f.depth === depth), async ({ key, path }) => {
        const k = dirKey(key, path);
        const parentNew = path !== '' && this.created.has(dirKey(key, parentOf(path.split('/'))));
        // Spread over the connections too: each smbd process lists in parallel with the others.
        const spread = this.listed++;
        const items = parentNew ? null : await this.listOrNull(key, path, spread);
        if (items === null) {
          await this.session(key, spread).mkdir(path, { recursive: !parentNew });
          this.created.add(k);
          listings.set(k, new Map());
          return;
        }
        const listed = new Map<string, SmbEntry>();
        for (const item of items) {
          if (item.name.startsWith(this.tempPrefix)) {
            // Left by an interrupted attempt of this restore: never a real file, never kept.
            await this.session(key).unlink(item.path);
            this.touched.add(k);
            this.opts.onLog({ level: 'info', message: `removed a temporary file left by an interrupted attempt: ${item.path}` });
            continue;
          }
          listed.set(item.name, item);
        }
        listings.set(k, listed);
      }, LISTINGS_IN_FLIGHT);
    }
    return listings;
  }

  private async mirror(entries: readonly PlannedEntry[], listings: Map<string, Map<string, SmbEntry>>): Promise<void> {
    const expected = new Map<string, Set<string>>();
    for (const p of entries) {
      const k = dirKey(p.key, parentOf(p.path));
      let names = expected.get(k);
      if (!names) expected.set(k, (names = new Set()));
      names.add(nameOf(p.path));
    }
    for (const p of entries) {
      if (!p.authoritative) continue;
      const k = dirKey(p.key, p.path.join('/'));
      const listed = listings.get(k);
      if (!listed) continue;
      const keep = expected.get(k) ?? new Set<string>();
      for (const [name, item] of listed) {
        if (keep.has(name)) continue;
        this.throwIfAborted();
        try {
          this.touched.add(k);
          await this.removeTree(p.key, item);
        } catch (error) {
          if (!(error instanceof SmbStatusError)) throw error;
          this.counters.failed++;
          this.opts.onLog({ level: 'error', message: `mirror: cannot remove ${item.path}: ${error.message}`, path: item.path });
        }
        listed.delete(name);
      }
    }
  }

  private async removeTree(key: string, item: SmbEntry): Promise<void> {
    const session = this.session(key);
    if (item.type === 'directory') {
      for (const child of (await this.listOrNull(key, item.path)) ?? []) await this.removeTree(key, child);
      await session.rmdir(item.path);
    } else {
      await session.unlink(item.path);
    }
    this.counters.removed++;
    this.opts.onLog({ level: 'info', message: `mirror: removed ${item.type === 'directory' ? 'folder' : 'file'} ${item.path} (not in snapshot ${this.opts.seq})`, path: item.path });
  }

  private async leaf(p: PlannedEntry, existing: SmbEntry | undefined): Promise<void> {
    this.throwIfAborted();
    const { entry } = p;
    this.currentPath = entry.path;
    if (entry.type === 'symlink') {
      this.counters.skipped++;
      this.log('warn', `symlink to ${JSON.stringify(entry.target ?? '')} not restored: SMB cannot create symlinks on this share`, p);
      return this.report();
    }
    if (existing?.type === 'directory') {
      this.counters.failed++;
      this.log('error', 'not restored: a folder of that name exists at the destination', p);
      return this.report();
    }
    const name = nameOf(p.path);
    let targetName = name;
    let counter: 'restored' | 'renamed' = 'restored';
    let replace = false;
    if (existing) {
      const same = inPlace(existing, entry);
      if (same && (this.opts.resume || this.opts.policy !== 'overwrite')) {
        // With skip-existing and if-different an identical file is simply left; on a retry it is
        // the file an earlier attempt of this restore wrote.
        if (this.opts.resume && this.opts.policy !== 'skip-existing') this.counters.restored++;
        else this.counters.skipped++;
        this.bytesDone += entry.size;
        return this.report();
      }
      if (this.opts.policy === 'skip-existing') {
        this.counters.skipped++;
        this.bytesDone += entry.size;
        this.log('info', 'skipped: exists at the destination (skip-existing)', p);
        return this.report();
      }
      if (this.opts.policy === 'rename') {
        targetName = datedName(name, this.opts.renameStamp);
        counter = 'renamed';
      } else {
        replace = true;
      }
    }
    const dir = parentOf(p.path);
    const target = dir ? `${dir}/${targetName}` : targetName;
    if (counter === 'renamed' && this.opts.resume) {
      // A retry of a rename restore: the dated copy may already be complete.
      const done = await this.statOrUndefined(p.key, target);
      if (inPlace(done, entry)) {
        this.counters.renamed++;
        this.bytesDone += entry.size;
        return this.report();
      }
      replace = done !== undefined;
    }
    let written: boolean;
    // A temporary file comes and goes (or stays renamed) in the folder either way.
    this.touched.add(dirKey(p.key, dir));
    try {
      written = await this.writeFile(p, target, replace);
    } catch (error) {
      // The server refused this one file (access denied, in use, a name colliding by case):
      // that file fails, the rest go on. Lost connections and aborts end the attempt.
      if (!(error instanceof SmbStatusError)) throw error;
      this.log('error', `not restored: ${error.message}`, p);
      written = false;
    }
    if (written) {
      this.counters[counter]++;
      this.counters.bytes += entry.size;
      if (counter === 'renamed') this.log('info', `exists at the destination; restored beside it as ${targetName}`, p);
    } else {
      this.counters.failed++;
    }
    this.report();
  }

  /** True when the file is in place under `target`; false when it failed (logged, nothing left behind). */
  private async writeFile(p: PlannedEntry, target: string, replace: boolean): Promise<boolean> {
    const { entry } = p;
    const session = this.session(p.key, this.written++);
    const dir = parentOf(p.path);
    const temp = `${dir ? `${dir}/` : ''}${this.tempPrefix}${createHash('sha1').update(nameOf(p.path)).digest('hex').slice(0, 16)}.part`;
    const source = join(this.store.snapshotDir(this.opts.client, this.opts.seq), entryDiskPath(entry));
    const mtime = new Date(entry.mtime);
    let fh;
    try {
      fh = await open(source, 'r');
    } catch (error) {
      this.log('error', `not restored: the snapshot's copy cannot be read (${message(error)})`, p);
      return false;
    }
    const hash = createHash('sha256');
    let sent = 0;
    try {
      await session.upload(
        temp,
        async (buffer, position) => {
          const { bytesRead } = await fh.read(buffer, 0, buffer.length, position);
          hash.update(buffer.subarray(0, bytesRead));
          sent += bytesRead;
          this.bytesDone += bytesRead;
          this.report();
          return bytesRead;
        },
        // Buffers sized to the file: small files would otherwise each allocate a full WRITE buffer.
        { overwrite: true, times: { mtime, atime: mtime }, signal: this.opts.signal, chunkSize: Math.max(1, Math.min(entry.size, WRITE_CHUNK)) },
      );
    } catch (error) {
      this.bytesDone -= sent;
      await session.unlink(temp).catch(() => undefined);
      throw error;
    } finally {
      await fh.close();
    }
    const actual = hash.digest('hex');
    if (actual !== entry.sha256 || sent !== entry.size) {
      await session.unlink(temp);
      const quarantined = entry.sha256 ? await quarantinePoolContent(this.store, entry.sha256, source).catch(() => undefined) : undefined;
      const pool = quarantined?.movedTo.length ? `; the pool copy was quarantined (${quarantined.movedTo.join(', ')}) so the next backup fetches the file again` : '';
      this.log('error', `hash mismatch: the store's copy reads as sha256 ${actual} (${sent} B), the manifest says ${entry.sha256} (${entry.size} B); not restored${pool}`, p);
      return false;
    }
    try {
      await session.rename(temp, target, { overwrite: replace });
    } catch (error) {
      await session.unlink(temp).catch(() => undefined);
      throw error;
    }
    if (this.opts.verifyReadBack) {
      const back = createHash('sha256');
      const read = await session.download(target, (chunk) => void back.update(chunk), { signal: this.opts.signal });
      const got = back.digest('hex');
      if (got !== entry.sha256 || read !== entry.size) {
        await session.unlink(target).catch(() => undefined);
        this.log('error', `read-back verification failed: the share returned sha256 ${got} (${read} B), expected ${entry.sha256}; the file was removed again`, p);
        return false;
      }
    }
    return true;
  }

  /** The folder's entries, or null when it does not exist. */
  private async listOrNull(key: string, path: string, spread = 0): Promise<SmbEntry[] | null> {
    try {
      return await this.session(key, spread).list(path);
    } catch (error) {
      if (error instanceof SmbStatusError && NOT_FOUND.has(error.status)) return null;
      throw error;
    }
  }

  private async statOrUndefined(key: string, path: string): Promise<SmbEntry | undefined> {
    try {
      return await this.session(key).stat(path);
    } catch (error) {
      if (error instanceof SmbStatusError && NOT_FOUND.has(error.status)) return undefined;
      throw error;
    }
  }

  /** Runs `work` over `items`, `size` at a time; the first failure stops the rest and is thrown. */
  private async pool<T>(items: readonly T[], work: (item: T) => Promise<void>, size = this.opts.filesInFlight): Promise<void> {
    let next = 0;
    let failure: unknown;
    const lane = async (): Promise<void> => {
      while (failure === undefined && next < items.length) {
        const item = items[next++]!;
        try {
          await work(item);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, lane));
    if (failure !== undefined) throw failure;
  }

  private session(key: string, spread = 0): SmbSession {
    const sessions = this.opts.sessions.get(key);
    if (!sessions || sessions.length === 0) throw new Error(`no open session for destination ${key}`);
    return sessions[spread % sessions.length]!;
  }

  private throwIfAborted(): void {
    if (this.opts.signal.aborted) throw new StoreError('ABORTED', 'restore aborted');
  }

  private log(level: RestoreLogEvent['level'], text: string, p: PlannedEntry): void {
    this.opts.onLog({ level, message: `${p.entry.path}: ${text}`, path: p.entry.path });
  }

  private report(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastProgress < PROGRESS_EVERY_MS) return;
    this.lastProgress = now;
    const c = this.counters;
    const seconds = Math.max(0.001, (now - this.startedAt) / 1000);
    const rate = this.bytesDone / seconds;
    const left = Math.max(0, this.bytesTotal - this.bytesDone);
    this.opts.onProgress(
      {
        filesDone: c.restored + c.skipped + c.renamed + c.failed,
        filesTotal: this.filesTotal,
        bytesDone: this.bytesDone,
        bytesTotal: this.bytesTotal,
        currentPath: this.currentPath,
        bytesPerSecond: Math.round(rate),
        etaSeconds: rate > 0 ? Math.round(left / rate) : null,
      },
      { ...c },
    );
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
