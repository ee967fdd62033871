import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readdir, unlink, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LinkBatcher, type LinkOutcome } from './link-batcher.js';
import { errnoCode, StoreError } from './store.errors.js';

export type FaultPoint =
  | 'staged'
  | 'pooled'
  | 'linked'
  | 'folder-built'
  | 'folder-shared'
  | 'before-commit'
  | 'committed'
  | 'folder-trashed'
  | 'trash-emptying';
export type FaultHook = (point: FaultPoint) => void | Promise<void>;

export interface PoolOptions {
  /** Treat a pool file with this many links as full (the real EMLINK is always handled too). */
  linkLimit?: number;
  faultHook?: FaultHook;
}

export interface IngestResult {
  sha256: string;
  size: number;
  /** True when the contents were new to the pool (bytes stored). */
  storedNew: boolean;
}

const HASH_RE = /^[0-9a-f]{64}$/;
const WRITES_IN_FLIGHT = 4;
/** Contents up to this size are read into memory and hashed before anything is written. */
const SMALL_CONTENT = 64 * 1024;
const EARLY_SYNC_BYTES = 64 * 1024 * 1024;
const POOL_NAME_RE = /^([0-9a-f]{64})(?:\.([1-9][0-9]*))?$/;

export function parsePoolName(name: string): { sha256: string; variant: number } | undefined {
  const m = POOL_NAME_RE.exec(name);
  if (!m) return undefined;
  return { sha256: m[1] as string, variant: m[2] === undefined ? 0 : Number(m[2]) };
}

/**
 * pool/<aa>/<bb>/<sha256>[.<n>]: read-only content files. A file is only ever added with link(2),
 * which refuses to replace, so contents already linked from snapshots are never swapped out.
 */
export class Pool {
  readonly dir: string;
  private readonly linkLimit: number | undefined;
  private readonly fault: FaultHook | undefined;
  private readonly madeDirs = new Set<string>();
  /** Lowest variant not known to be full, only for contents that hit the link limit. */
  private readonly firstFree = new Map<string, number>();
  private tmpCounter = 0;
  private readonly hashLocks = new Map<string, Promise<void>>();
  private readonly batcher = new LinkBatcher();

  constructor(root: string, opts: PoolOptions = {}) {
    this.dir = join(root, 'pool');
    this.linkLimit = opts.linkLimit;
    this.fault = opts.faultHook;
  }

  bucket(sha256: string): string {
    if (!HASH_RE.test(sha256)) throw new StoreError('ENTRY_NOT_FOUND', `not a sha256: ${sha256}`);
    // Plain concatenation: every part is validated hex, and this runs once per file of a backup.
    return `${this.dir}/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}`;
  }

  variantPath(sha256: string, variant: number): string {
    return `${this.bucket(sha256)}/${variant === 0 ? sha256 : `${sha256}.${variant}`}`;
  }

  /** Existing variants of a content, ascending. */
  async variants(sha256: string): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.bucket(sha256));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: number[] = [];
    for (const name of names) {
      const p = parsePoolName(name);
      if (p && p.sha256 === sha256) out.push(p.variant);
    }
    return out.sort((a, b) => a - b);
  }

  /** Path of some pool copy of the content, or undefined when the pool lacks it. */
  async find(sha256: string): Promise<string | undefined> {
    const base = this.variantPath(sha256, 0);
    try {
      await lstat(base);
      return base;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    const v = await this.variants(sha256);
    return v.length > 0 ? this.variantPath(sha256, v[0] as number) : undefined;
  }

  /**
   * Hard-links the pool content to `dest`. Returns false when the pool does not have it (never
   * stored, garbage-collected, or quarantined by verify) so the caller fetches it again.
   */
  async linkTo(sha256: string, dest: string, stagingDir: string): Promise<boolean> {
    if (this.linkLimit === undefined) {
      // Fast path, taken by nearly every unchanged file: the first copy exists and has room.
      if (!this.firstFree.has(sha256)) {
        try {
          await link(this.variantPath(sha256, 0), dest);
          return true;
        } catch {
          // EMLINK, ENOENT and friends are sorted out below
        }
      }
      return this.linkToUnlocked(sha256, dest, stagingDir);
    }
    // The kernel's EMLINK is atomic; an injected limit (check, then link) is not, so serialise per content.
    const previous = this.hashLocks.get(sha256) ?? Promise.resolve();
    const mine = previous.then(() => this.linkToUnlocked(sha256, dest, stagingDir));
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.hashLocks.set(sha256, settled);
    try {
      return await mine;
    } finally {
      if (this.hashLocks.get(sha256) === settled) this.hashLocks.delete(sha256);
    }
  }

  /**
   * Synchronous link of the first copy, for the hot path of incrementals (one syscall, no
   * thread-pool round trip). False for anything unusual; the caller then uses linkTo().
   */
  linkToFast(sha256: string, dest: string): boolean {
    return this.linkToFastDetailed(sha256, dest) === 'linked';
  }

  /**
   * linkToFast done on the pool's link thread, batched with other calls. 'absent' when the pool
   * lacks the content, 'other' for anything unusual (the caller then uses linkTo()).
   */
  async linkToBatched(sha256: string, dest: string): Promise<LinkOutcome> {
    if (this.linkLimit !== undefined || this.firstFree.has(sha256)) return 'other';
    return this.batcher.link(this.variantPath(sha256, 0), dest).catch(() => 'other' as const);
  }

  private async linkToUnlocked(sha256: string, dest: string, stagingDir: string): Promise<boolean> {
    let variant = this.firstFree.get(sha256) ?? 0;
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const outcome = await this.tryLink(this.variantPath(sha256, variant), dest);
      if (outcome === 'linked') return true;
      if (outcome === 'full') this.firstFree.set(sha256, variant + 1);
      // Rare path (link limit reached, or a copy was removed): look at what exists.
      const known = await this.variants(sha256);
      // Another job stored it between our attempt and now: try the same copy again.
      if (outcome === 'absent' && known.includes(variant)) continue;
      const next = known.find((v) => v > variant);
      if (next !== undefined) {
        variant = next;
        continue;
      }
      if (known.length === 0) return false;
      // Every existing copy is full: make the next numbered copy from one of them.
      const fresh = Math.max(known.at(-1) as number, outcome === 'absent' ? variant - 1 : variant) + 1;
      await this.copyVariant(sha256, known.at(-1) as number, fresh, stagingDir);
      variant = fresh;
    }
    throw new Error(`pool: cannot link ${sha256}`);
  }

  private async tryLink(p: string, dest: string): Promise<'linked' | 'full' | 'absent'> {
    try {
      if (await this.isFull(p)) return 'full';
      await link(p, dest);
      return 'linked';
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EMLINK') return 'full';
      // ENOENT may also mean the destination directory is missing: that is the caller's bug.
      if (code === 'ENOENT' && (await exists(dirname(dest)))) return 'absent';
      throw err;
    }
  }

  private async copyVariant(sha256: string, from: number, to: number, stagingDir: string): Promise<void> {
    const tmp = join(stagingDir, `emlink-${process.pid}-${this.tmpCounter++}`);
    await copyFile(this.variantPath(sha256, from), tmp);
    await chmod(tmp, 0o444);
    try {
      await link(tmp, this.variantPath(sha256, to));
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    } finally {
      await unlink(tmp);
    }
  }

  private async isFull(p: string): Promise<boolean> {
    if (this.linkLimit === undefined) return false;
    const st = await lstat(p);
    return st.nlink >= this.linkLimit;
  }

  /**
   * Writes a stream into staging while hashing it (one pass), then adds it to the pool unless the
   * pool already has the content, and hard-links the pool file to `dest`. Contents up to
   * SMALL_CONTENT bytes are collected in memory instead, so known ones never touch the disk and
   * new ones are staged with a few quick synchronous calls rather than thread-pool round trips.
   */
  async ingest(
    stream: AsyncIterable<Buffer | Uint8Array | string>,
    dest: string,
    stagingDir: string,
    opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {},
  ): Promise<IngestResult> {
    const it = stream[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let headSize = 0;
    try {
      while (headSize <= SMALL_CONTENT) {
        const next = await it.next();
        if (next.done) return await this.ingestSmall(Buffer.concat(head, headSize), dest, stagingDir);
        if (opts.signal?.aborted) throw new StoreError('ABORTED', 'backup aborted');
        const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
        head.push(chunk);
        headSize += chunk.length;
        opts.onBytes?.(chunk.length);
      }
    } catch (err) {
      await it.return?.();
      throw err;
    }
    return this.ingestStream(head, { [Symbol.asyncIterator]: () => it }, dest, stagingDir, opts);
  }

  private async ingestSmall(data: Buffer, dest: string, stagingDir: string): Promise<IngestResult> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const size = data.length;
    await this.fault?.('staged');
    const fast = this.linkToFastDetailed(sha256, dest);
    if (fast === 'linked') return { sha256, size, storedNew: false };
    if (fast === 'other' && (await this.linkTo(sha256, dest, stagingDir))) return { sha256, size, storedNew: false };
    // New content: written in place at `dest` (inside the unfinished snapshot, so no staging
    // file to create, link and remove), then offered to the pool by link(2) once complete. The
    // pool name only ever appears on a fully written file, and never replaces an existing one.
    writeFileSync(dest, data, { flag: 'wx', mode: 0o444 });
    try {
      const storedNew = this.addToPoolSync(dest, sha256);
      if (storedNew) {
        await this.fault?.('pooled');
        return { sha256, size, storedNew };
      }
      // Stored meanwhile by another job (or a full first copy): share that copy instead.
      unlinkSync(dest);
      if (!this.linkToFast(sha256, dest) && !(await this.linkTo(sha256, dest, stagingDir))) {
        throw new StoreError('ENTRY_NOT_FOUND', `pool file ${sha256} vanished while linking`);
      }
      return { sha256, size, storedNew: false };
    } catch (err) {
      try {
        unlinkSync(dest);
      } catch {
        // not there (any more)
      }
      throw err;
    }
  }

  private linkToFastDetailed(sha256: string, dest: string): 'linked' | 'absent' | 'other' {
    if (this.linkLimit !== undefined || this.firstFree.has(sha256)) return 'other';
    try {
      linkSync(this.variantPath(sha256, 0), dest);
      return 'linked';
    } catch (err) {
      return errnoCode(err) === 'ENOENT' ? 'absent' : 'other';
    }
  }

  private addToPoolSync(tmp: string, sha256: string): boolean {
    const target = this.variantPath(sha256, 0);
    // A fresh store lacks most of its 65,536 buckets: create one before the first link into it
    // (two calls) rather than after a failed link (three).
    const bucket = this.bucket(sha256);
    if (!this.madeDirs.has(bucket)) {
      this.makeBucketSync(sha256);
      this.madeDirs.add(bucket);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, target);
        return true;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'EEXIST') return false;
        if (code !== 'ENOENT' || attempt > 0) throw err;
        this.makeBucketSync(sha256);
      }
    }
  }

  /** pool/aa/bb without mkdir's recursive mode, which stats every level on each call. */
  private makeBucketSync(sha256: string): void {
    const bucket = this.bucket(sha256);
    try {
      mkdirSync(bucket);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') {
        // Another worker may create it meanwhile: recursive mode tolerates that.
        mkdirSync(bucket, { recursive: true });
      } else if (code !== 'EEXIST') throw err;
    }
  }

  private async ingestStream(
    head: Uint8Array[],
    rest: AsyncIterable<Buffer | Uint8Array | string>,
    dest: string,
    stagingDir: string,
    opts: { signal?: AbortSignal; onBytes?: (n: number) => void },
  ): Promise<IngestResult> {
    const tmp = join(stagingDir, `in-${process.pid}-${this.tmpCounter++}`);
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'wx', 0o444);
    // Writes are positioned and several stay in flight, so disk writes overlap reading and hashing.
    const writes: Promise<unknown>[] = [];
    let writeError: unknown;
    let synced = 0;
    let flushing: Promise<unknown> = Promise.resolve();
    const put = (chunk: Uint8Array): void => {
      hash.update(chunk);
      writes.push(
        fh.write(chunk, 0, chunk.length, size).catch((err: unknown) => {
          writeError ??= err;
        }),
      );
      size += chunk.length;
      // Large contents: push written data to disk while reading goes on, so the commit's syncfs
      // finds little left to do (the kernel would otherwise keep it all dirty until then).
      if (size - synced >= EARLY_SYNC_BYTES) {
        synced = size;
        flushing = flushing.then(() =>
          fh.datasync().catch((err: unknown) => {
            writeError ??= err;
          }),
        );
      }
    };
    try {
      for (const chunk of head) put(chunk);
      for await (const raw of rest) {
        if (opts.signal?.aborted) throw new StoreError('ABORTED', 'backup aborted');
        const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
        put(chunk);
        opts.onBytes?.(chunk.length);
        if (writes.length >= WRITES_IN_FLIGHT) await writes.shift();
        if (writeError !== undefined) throw writeError;
      }
      await Promise.all(writes);
      await flushing;
      if (writeError !== undefined) throw writeError;
    } catch (err) {
      await Promise.all(writes);
      await flushing;
      await fh.close();
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await fh.close();
    const sha256 = hash.digest('hex');
    await this.fault?.('staged');
    try {
      // Offer the staged file to the pool first: one link(2) tells new content (it succeeds) from
      // known content (EEXIST), and link never replaces a pool file that snapshots already use.
      const storedNew = await this.addToPool(tmp, sha256);
      if (storedNew) await this.fault?.('pooled');
      if (!(await this.linkTo(sha256, dest, stagingDir))) {
        throw new StoreError('ENTRY_NOT_FOUND', `pool file ${sha256} vanished while linking`);
      }
      return { sha256, size, storedNew };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  private async addToPool(tmp: string, sha256: string): Promise<boolean> {
    const target = this.variantPath(sha256, 0);
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, target);
        return true;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'EEXIST') return false;
        if (code !== 'ENOENT' || attempt > 0) throw err;
        this.madeDirs.delete(this.bucket(sha256));
        await this.ensureBucket(sha256);
      }
    }
  }

  private async ensureBucket(sha256: string): Promise<void> {
    const b = this.bucket(sha256);
    if (this.madeDirs.has(b)) return;
    await mkdir(b, { recursive: true });
    this.madeDirs.add(b);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
