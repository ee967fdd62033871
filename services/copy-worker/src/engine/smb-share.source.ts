import type { SmbEntry, SmbSession } from '@backtrac/smb';
import type { BackupSource, SourceEntry } from './backup-source.js';

/** Files listed at most this large are fetched with one round trip (CREATE+READ+CLOSE). */
const WHOLE_READ_MAX = 1024 * 1024;
/** Directories whose small-file sizes are remembered (the walk reads soon after it lists). */
const REMEMBERED_DIRS = 64;

/**
 * An SMB share (one authenticated @backtrac/smb session) as a backup source. SMB carries no Unix
 * mode, so entries have none; symlinks are only reported when the server gives their target.
 *
 * Small files are the common case of a backup, and a stream costs three round trips (open, read,
 * close) where `readFile` needs one. The sizes of small files in the most recently listed
 * directories are remembered, so wrappers that only forward `createReadStream(path)` get the
 * cheap path too. The size is only a hint: `readFile` reads whatever the file holds now.
 */
export class SmbShareSource implements BackupSource {
  private readonly session: SmbSession;
  /** dir key -> (name -> size) of files up to WHOLE_READ_MAX, insertion order = age. */
  private readonly smallFiles = new Map<string, Map<string, number>>();
  /** Bytes handed out by createReadStream (benchmarks and tests). */
  bytesRead = 0;

  constructor(session: SmbSession) {
    this.session = session;
  }

  async list(dir: readonly string[]): Promise<SourceEntry[]> {
    const entries = await this.session.list(dir.join('/'));
    const out: SourceEntry[] = [];
    const small = new Map<string, number>();
    for (const e of entries) {
      if (e.name === '.' || e.name === '..') continue;
      const s = toSourceEntry(e);
      if (s.type === 'file' && s.size <= WHOLE_READ_MAX) small.set(s.name, s.size);
      out.push(s);
    }
    const key = dirKey(dir);
    this.smallFiles.delete(key);
    if (small.size > 0) {
      this.smallFiles.set(key, small);
      if (this.smallFiles.size > REMEMBERED_DIRS) this.smallFiles.delete(this.smallFiles.keys().next().value as string);
    }
    return out;
  }

  async stat(path: readonly string[]): Promise<SourceEntry> {
    return toSourceEntry(await this.session.stat(path.join('/')));
  }

  async createReadStream(path: readonly string[], signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    if (this.takeSmall(path)) {
      if (signal?.aborted) throw Object.assign(new Error('aborted'), { code: 'ABORT_ERR' });
      const data = await this.session.readFile(path.join('/'));
      this.bytesRead += data.length;
      return once(data);
    }
    const stream = this.session.createReadStream(path.join('/'));
    const onAbort = (): void => {
      stream.destroy(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    return this.counted(stream, signal, onAbort);
  }

  /** True (once) when the file was listed as small in a recently listed directory. */
  private takeSmall(path: readonly string[]): boolean {
    if (path.length === 0) return false;
    const dir = this.smallFiles.get(dirKey(path.slice(0, -1)));
    if (!dir) return false;
    const name = path[path.length - 1] as string;
    const known = dir.delete(name);
    return known;
  }

  private async *counted(stream: AsyncIterable<Buffer>, signal: AbortSignal | undefined, onAbort: () => void): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of stream) {
        this.bytesRead += chunk.length;
        yield chunk;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}

/** A one-chunk async iterable, without a generator's extra promise per step. */
function once(data: Uint8Array): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => {
      let done = false;
      return {
        next: async (): Promise<IteratorResult<Uint8Array>> => {
          if (done) return { done: true, value: undefined };
          done = true;
          return { done: false, value: data };
        },
      };
    },
  };
}

const dirKey = (dir: readonly string[]): string => dir.join('\0');

function toSourceEntry(e: SmbEntry): SourceEntry {
  return { name: e.name, type: e.type, size: e.type === 'file' ? e.size : 0, mtime: e.mtime.getTime() };
}
