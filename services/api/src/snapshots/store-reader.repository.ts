import { Inject, Injectable } from '@nestjs/common';
import { constants, createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { HardlinkStore, StoreError } from '@backtrac/store';
import { API_CONFIG, type ApiConfig } from '../common/api-config.js';

export interface StoredFile {
  stream: Readable;
  size: number;
}

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

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
