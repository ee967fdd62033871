import { Inject, Injectable } from '@nestjs/common';
import { constants, createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { HardlinkStore, type ManifestEntry, StoreError } from '@backtrac/store';
import { API_CONFIG, type ApiConfig } from '../common/api-config.js';

export interface StoredFile {
  stream: Readable;
  size: number;
}

// 64 KiB reads: measured, larger chunks made the zip writer slower and the api's RSS climb under load.
const CONTENT_CHUNK = 64 * 1024;

const errnoCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | null)?.code;

/**
 * Read-only access to the store for downloads. Catalog names become disk paths only through the
 * store's name codec; the result is opened without following links and must resolve inside the
 * snapshot directory. The api never writes the store.
 */
@Injectable()
export class StoreReaderRepository {
  private store: Promise<HardlinkStore> | undefined;

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  /**
   * The file of one snapshot, or the pool copy of its content when the snapshot's link is gone
   * (retention moved it to trash after the catalog was read). Null when neither exists.
   */
  async openFile(clientId: string, seq: number, segments: readonly string[], sha256: string | null): Promise<StoredFile | null> {
    const store = await this.open();
    const fromSnapshot = await this.openInside(store, clientId, seq, segments);
    if (fromSnapshot) return fromSnapshot;
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) return null;
    const poolPath = await store.pool.find(sha256);
    if (!poolPath) return null;
    try {
      const fh = await open(poolPath, constants.O_RDONLY | constants.O_NOFOLLOW);
      const info = await fh.stat();
      return { stream: createReadStream('', { fd: fh }), size: info.size };
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return null;
      throw error;
    }
  }

  /** Every entry of a finished snapshot, in manifest order (a folder before what it holds). */
  async *manifest(clientId: string, seq: number): AsyncGenerator<ManifestEntry> {
    const store = await this.open();
    yield* store.readManifest(clientId, seq);
  }

  /**
   * The pool file holding a content, streamed and checked on the way out: a stream whose bytes do
   * not hash to `sha256` or whose length is not `size` fails at its end instead of passing as good.
   * The pool is named by hash alone, so no client name ever becomes a path here.
   */
  async openContent(sha256: string, size: number, signal: AbortSignal): Promise<Readable> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new StoreContentError(`not a content hash: ${JSON.stringify(sha256)}`);
    const store = await this.open();
    const poolPath = await store.pool.find(sha256);
    if (!poolPath) throw new StoreContentError(`content ${sha256} is not in the pool`);
    const fh = await open(poolPath, constants.O_RDONLY | constants.O_NOFOLLOW);
    const info = await fh.stat().catch(async (error: unknown) => {
      await fh.close();
      throw error;
    });
    if (!info.isFile() || info.size !== size) {
      await fh.close();
      throw new StoreContentError(`pool file ${sha256} holds ${info.size} bytes, the manifest says ${size}`);
    }
    const hash = createHash('sha256');
    let read = 0;
    const check = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        read += chunk.length;
        done(null, chunk);
      },
      flush(done) {
        const actual = hash.digest('hex');
        done(actual === sha256 && read === size ? null : new StoreContentError(`pool file ${sha256} reads as ${actual} (${read} bytes): the pool copy is damaged`));
      },
    });
    // Reading exactly `size` bytes: a small file costs one buffer of its own size and no extra read for EOF.
    const file = createReadStream('', { fd: fh, highWaterMark: Math.max(1, Math.min(CONTENT_CHUNK, size)), end: Math.max(0, size - 1), signal });
    file.once('error', (error) => check.destroy(error));
    check.once('close', () => file.destroy());
    return file.pipe(check);
  }

  private async openInside(store: HardlinkStore, clientId: string, seq: number, segments: readonly string[]): Promise<StoredFile | null> {
    let fh;
    try {
      // The store resolves the path without following any symlink: a folder the snapshot records
      // as shared is entered in dirs/ (it is part of the snapshot), a client's symlink never.
      const file = await store.resolveFilePath(clientId, seq, segments);
      if (file === undefined) return null;
      fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errnoCode(error) ?? '')) return null;
      throw error;
    }
    const info = await fh.stat();
    if (!info.isFile()) {
      await fh.close();
      return null;
    }
    return { stream: createReadStream('', { fd: fh }), size: info.size };
  }

  private open(): Promise<HardlinkStore> {
    this.store ??= HardlinkStore.open(this.config.STORE_ROOT).catch((error: unknown) => {
      this.store = undefined;
      if (error instanceof StoreError) throw new StoreUnavailableError(`The store at ${this.config.STORE_ROOT} cannot be read: ${error.message}`);
      throw error;
    });
    return this.store;
  }
}

/** A content the manifest names cannot be read back as recorded. */
export class StoreContentError extends Error {
  override name = 'StoreContentError';
}

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
