import type { SmbEntry, SmbSession } from '@backtrac/smb';
import type { BackupSource, SourceEntry } from './backup-source.js';

/**
 * An SMB share (one authenticated @backtrac/smb session) as a backup source. SMB carries no Unix
 * mode, so entries have none; symlinks are only reported when the server gives their target.
 */
export class SmbShareSource implements BackupSource {
  private readonly session: SmbSession;
  /** Bytes handed out by createReadStream (benchmarks and tests). */
  bytesRead = 0;

  constructor(session: SmbSession) {
    this.session = session;
  }

  async list(dir: readonly string[]): Promise<SourceEntry[]> {
    const entries = await this.session.list(dir.join('/'));
    return entries.filter((e) => e.name !== '.' && e.name !== '..').map(toSourceEntry);
  }

  async stat(path: readonly string[]): Promise<SourceEntry> {
    return toSourceEntry(await this.session.stat(path.join('/')));
  }

  async createReadStream(path: readonly string[], signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const stream = this.session.createReadStream(path.join('/'));
    const onAbort = (): void => {
      stream.destroy(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    return this.counted(stream, signal, onAbort);
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

function toSourceEntry(e: SmbEntry): SourceEntry {
  return { name: e.name, type: e.type, size: e.type === 'file' ? e.size : 0, mtime: e.mtime.getTime() };
}
