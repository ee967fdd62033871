import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceError, type BackupSource, type SourceEntry } from './backup-source.js';

export interface LocalDirectorySourceOptions {
  /** Told about names that are skipped because they are not valid UTF-8. */
  onSkippedName?: (dir: readonly string[], rawName: Buffer) => void;
}

/**
 * A mounted directory (file:// URL or path) as a backup source. Symlinks are reported, never
 * followed; files are opened with O_NOFOLLOW so a file swapped for a link is not read through it.
 */
export class LocalDirectorySource implements BackupSource {
  readonly root: string;
  /** Bytes handed out by createReadStream, so tests can prove an incremental read nothing. */
  bytesRead = 0;
  filesOpened = 0;
  private readonly opts: LocalDirectorySourceOptions;

  constructor(location: string | URL, opts: LocalDirectorySourceOptions = {}) {
    this.root = resolve(typeof location === 'string' && !location.startsWith('file:') ? location : fileURLToPath(location));
    this.opts = opts;
  }

  async list(dir: readonly string[]): Promise<SourceEntry[]> {
    const abs = this.abs(dir);
    const raw = await readdir(abs, { encoding: 'buffer' });
    const out: SourceEntry[] = [];
    const BATCH = 64;
    for (let i = 0; i < raw.length; i += BATCH) {
      const batch = raw.slice(i, i + BATCH);
      const entries = await Promise.all(
        batch.map(async (buf): Promise<SourceEntry | undefined> => {
          const name = buf.toString('utf8');
          if (!Buffer.from(name, 'utf8').equals(buf)) {
            this.opts.onSkippedName?.(dir, buf);
            return undefined;
          }
          try {
            return await this.describe(join(abs, name), name);
          } catch (err) {
            // Vanished between readdir and lstat: it simply is not part of this backup.
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw err;
          }
        }),
      );
      for (const e of entries) if (e) out.push(e);
    }
    return out;
  }

  async stat(path: readonly string[]): Promise<SourceEntry> {
    const entry = await this.describe(this.abs(path), path[path.length - 1] ?? '');
    if (!entry) throw new SourceError('io', `${path.join('/')} is not a file, directory or symlink`);
    return entry;
  }

  async createReadStream(path: readonly string[], signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const fh = await open(this.abs(path), constants.O_RDONLY | constants.O_NOFOLLOW);
    this.filesOpened++;
    let size: number;
    try {
      size = (await fh.stat()).size;
    } catch (err) {
      await fh.close();
      throw err;
    }
    // Buffers sized to the file: a fixed 1 MiB read buffer per small file costs far more than the read.
    const chunkSize = Math.min(1024 * 1024, Math.max(16 * 1024, size + 1));
    return this.readChunks(fh, size, chunkSize, signal);
  }

  private async *readChunks(fh: FileHandle, size: number, chunkSize: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const readNext = (): Promise<{ bytesRead: number; buffer: Buffer }> => fh.read(Buffer.allocUnsafe(chunkSize), 0, chunkSize, null);
    try {
      // One read ahead: the next chunk is on its way while the consumer hashes and writes this one.
      let pending = readNext();
      for (;;) {
        signal?.throwIfAborted();
        const { bytesRead, buffer } = await pending;
        if (bytesRead === 0) return;
        // A short read of a buffer larger than the file is the end: spare the extra read(2).
        const atEnd = bytesRead < chunkSize && chunkSize > size;
        if (!atEnd) pending = readNext();
        this.bytesRead += bytesRead;
        yield bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead);
        if (atEnd) return;
      }
    } finally {
      await fh.close();
    }
  }

  private abs(segments: readonly string[]): string {
    for (const s of segments) {
      if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\0')) {
        throw new SourceError('not-found', `no such local name: ${JSON.stringify(s)}`);
      }
    }
    return join(this.root, ...segments);
  }

  private async describe(abs: string, name: string): Promise<SourceEntry | undefined> {
    const st: Stats = await lstat(abs);
    const base = { name, mtime: st.mtimeMs, mode: st.mode & 0o7777 };
    if (st.isFile()) return { ...base, type: 'file', size: st.size };
    if (st.isDirectory()) return { ...base, type: 'directory', size: 0 };
    if (st.isSymbolicLink()) return { ...base, type: 'symlink', size: st.size, symlinkTarget: await readlink(abs) };
    return undefined;
  }
}
