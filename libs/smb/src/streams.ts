// Node streams over SMB READ/WRITE with several requests in flight, in order.
import { Readable, Writable } from 'node:stream';
import { SmbProtocolError } from './errors.js';
import { Access, CreateOptions, Disposition, ShareAccess } from './protocol.js';
import type { SetTimesOptions } from './messages.js';
import type { SmbClientSession } from './session.js';

// Reads: 4 x 4 MiB in flight. Writes: 4 x 1 MiB, which kept smbd's write pipeline smoother than
// larger chunks on loopback Samba 4.17 (writes are serialised on the file by the server anyway).
const DEFAULT_CHUNK = 4 * 1024 * 1024;
const DEFAULT_WRITE_CHUNK = 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;

export interface ReadStreamOptions {
  /** First byte to read (default 0). */
  start?: number;
  /** Last byte to read, inclusive like fs.createReadStream (default: end of file). */
  end?: number;
  /** Bytes per READ request (default min(server max, 4 MiB)). */
  chunkSize?: number;
  /** READ requests in flight (default 4). */
  concurrency?: number;
}

interface Slot {
  offset: number;
  length: number;
  result: Promise<Buffer>;
}

export class SmbReadStream extends Readable {
  readonly path: string;
  private readonly session: SmbClientSession;
  private readonly opts: ReadStreamOptions;
  private fileId: Buffer | undefined;
  private nextOffset = 0;
  private limit = 0; // exclusive
  private readonly slots: Slot[] = [];
  private reading = false;
  /** Bytes delivered so far. */
  bytesRead = 0;

  constructor(session: SmbClientSession, path: string, opts: ReadStreamOptions) {
    super({ highWaterMark: 4 * 1024 * 1024 });
    this.session = session;
    this.path = path;
    this.opts = opts;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.session
      .open(this.path, {
        access: Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
        disposition: Disposition.OPEN,
        options: CreateOptions.NON_DIRECTORY_FILE,
        share: ShareAccess.READ | ShareAccess.WRITE,
      })
      .then((h) => {
        this.fileId = h.fileId;
        this.nextOffset = this.opts.start ?? 0;
        const end = this.opts.end === undefined ? h.entry.size : Math.min(h.entry.size, this.opts.end + 1);
        this.limit = Math.max(this.nextOffset, end);
        callback();
      }, callback);
  }

  private fill(): void {
    const chunk = Math.min(this.opts.chunkSize ?? DEFAULT_CHUNK, this.session.negotiated.maxReadSize);
    const concurrency = this.opts.concurrency ?? DEFAULT_CONCURRENCY;
    while (this.slots.length < concurrency && this.nextOffset < this.limit) {
      const length = Math.min(chunk, this.limit - this.nextOffset);
      this.slots.push(this.issue(this.nextOffset, length));
      this.nextOffset += length;
    }
  }

  private issue(offset: number, length: number): Slot {
    const result = this.session.read(this.fileId!, offset, length, this.path);
    result.catch(() => undefined); // handled when the slot reaches the head
    return { offset, length, result };
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        this.fill();
        const head = this.slots[0];
        if (!head) {
          this.push(null);
          return;
        }
        const data = await head.result;
        if (this.destroyed) return;
        this.slots.shift();
        if (data.length < head.length) {
          if (data.length === 0) {
            // The file shrank under us: what was promised by its size is not there.
            throw new SmbProtocolError(`unexpected end of file at offset ${head.offset} of "${this.path}"`);
          }
          // Short read: ask again for the rest before anything that follows.
          this.slots.unshift(this.issue(head.offset + data.length, head.length - data.length));
        }
        this.bytesRead += data.length;
        if (!this.push(data)) {
          this.fill();
          this.reading = false;
          return;
        }
      }
    } catch (err) {
      this.reading = false;
      this.destroy(err as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fileId = this.fileId;
    this.fileId = undefined;
    this.slots.length = 0;
    if (!fileId) {
      callback(error);
      return;
    }
    this.session.closeHandle(fileId, this.path).then(
      () => callback(error),
      (closeErr: Error) => callback(error ?? (this.session.conn.isClosed ? null : closeErr)),
    );
  }
}

export interface WriteStreamOptions {
  /** Replace an existing file (default false: fail with STATUS_OBJECT_NAME_COLLISION). */
  overwrite?: boolean;
  /** Times to set just before the handle is closed (so the close does not bump mtime). */
  times?: SetTimesOptions;
  /** Bytes per WRITE request (default min(server max, 1 MiB)). */
  chunkSize?: number;
  /** WRITE requests in flight (default 4). */
  concurrency?: number;
}

export class SmbWriteStream extends Writable {
  readonly path: string;
  private readonly session: SmbClientSession;
  private readonly opts: WriteStreamOptions;
  private fileId: Buffer | undefined;
  private offset = 0;
  private pendingChunks: Buffer[] = [];
  private pendingBytes = 0;
  private readonly inflight = new Set<Promise<void>>();
  private failure: Error | undefined;
  bytesWritten = 0;

  constructor(session: SmbClientSession, path: string, opts: WriteStreamOptions) {
    super({ highWaterMark: 4 * 1024 * 1024 });
    this.session = session;
    this.path = path;
    this.opts = opts;
  }

  private get chunkSize(): number {
    return Math.min(this.opts.chunkSize ?? DEFAULT_WRITE_CHUNK, this.session.negotiated.maxWriteSize);
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.session
      .open(this.path, {
        access: Access.FILE_WRITE_DATA | Access.FILE_READ_ATTRIBUTES | Access.FILE_WRITE_ATTRIBUTES | Access.SYNCHRONIZE,
        disposition: this.opts.overwrite ? Disposition.OVERWRITE_IF : Disposition.CREATE,
        options: CreateOptions.NON_DIRECTORY_FILE,
        share: ShareAccess.READ,
      })
      .then((h) => {
        this.fileId = h.fileId;
        callback();
      }, callback);
  }

  private issue(data: Buffer): void {
    const offset = this.offset;
    this.offset += data.length;
    const p: Promise<void> = this.writeAll(offset, data)
      .catch((err: Error) => {
        this.failure ??= err;
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private async writeAll(offset: number, data: Buffer): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const n = await this.session.write(this.fileId!, offset + done, data.subarray(done), this.path);
      if (n <= 0 || n > data.length - done) throw new SmbProtocolError(`WRITE of ${data.length - done} bytes reported ${n}`);
      done += n;
    }
    this.bytesWritten += data.length;
  }

  private flushFull(): void {
    const size = this.chunkSize;
    while (this.pendingBytes >= size) {
      const all = this.pendingChunks.length === 1 ? this.pendingChunks[0]! : Buffer.concat(this.pendingChunks, this.pendingBytes);
      let off = 0;
      while (all.length - off >= size) {
        this.issue(all.subarray(off, off + size));
        off += size;
      }
      this.pendingChunks = off < all.length ? [all.subarray(off)] : [];
      this.pendingBytes = all.length - off;
    }
  }

  private async waitBelow(limit: number): Promise<void> {
    while (this.inflight.size > limit) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pendingChunks.push(chunk);
    this.pendingBytes += chunk.length;
    this.flushFull();
    this.waitBelow((this.opts.concurrency ?? DEFAULT_CONCURRENCY) - 1).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.pendingBytes > 0) {
      this.issue(Buffer.concat(this.pendingChunks, this.pendingBytes));
      this.pendingChunks = [];
      this.pendingBytes = 0;
    }
    const fileId = this.fileId!;
    this.waitBelow(0)
      .then(async () => {
        if (this.opts.times) await this.session.setTimesOnHandle(fileId, this.opts.times, this.path);
        this.fileId = undefined;
        await this.session.closeHandle(fileId, this.path);
      })
      .then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fileId = this.fileId;
    this.fileId = undefined;
    if (!fileId) {
      callback(error);
      return;
    }
    Promise.allSettled(this.inflight)
      .then(() => this.session.closeHandle(fileId, this.path))
      .then(
        () => callback(error),
        () => callback(error),
      );
  }
}
