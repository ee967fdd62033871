import type { BackupSource, SourceEntry } from '../backup-source.js';

export interface FailSpec {
  code: string;
  /** 'open' fails createReadStream; 'read' fails after the first chunk. */
  phase: 'open' | 'read';
}

export type MemNode =
  | { type: 'file'; data: Buffer; mtime: number; mode?: number; fail?: FailSpec }
  | { type: 'directory'; children: Map<string, MemNode>; mtime: number; mode?: number; failList?: string }
  | { type: 'symlink'; target: string; mtime: number };

export function memDir(children: Record<string, MemNode> | [string, MemNode][], mtime = 1_600_000_000_000): MemNode {
  return { type: 'directory', children: new Map(Array.isArray(children) ? children : Object.entries(children)), mtime, mode: 0o755 };
}

export function memFile(data: string | Buffer, mtime = 1_600_000_000_000, fail?: FailSpec): MemNode {
  return { type: 'file', data: typeof data === 'string' ? Buffer.from(data) : data, mtime, mode: 0o644, ...(fail ? { fail } : {}) };
}

function errorWithCode(code: string): Error {
  return Object.assign(new Error(`simulated ${code}`), { code });
}

/**
 * An in-memory share: names may hold anything a server could send ('/', NUL, '..'), and any
 * entry can be made to fail the way an SMB server would.
 */
export class MemorySource implements BackupSource {
  bytesRead = 0;
  filesOpened = 0;
  /** Called before each file is opened, e.g. to abort a run at a chosen point. */
  beforeOpen?: (path: readonly string[]) => void;
  rootError?: string;
  readonly root: MemNode;

  constructor(root: MemNode) {
    this.root = root;
  }

  private node(path: readonly string[]): MemNode {
    let n: MemNode | undefined = this.root;
    for (const name of path) {
      if (n?.type !== 'directory') throw errorWithCode('ENOENT');
      n = n.children.get(name);
    }
    if (!n) throw errorWithCode('ENOENT');
    return n;
  }

  async list(dir: readonly string[]): Promise<SourceEntry[]> {
    if (dir.length === 0 && this.rootError) throw errorWithCode(this.rootError);
    const n = this.node(dir);
    if (n.type !== 'directory') throw errorWithCode('ENOTDIR');
    if (n.failList) throw errorWithCode(n.failList);
    return [...n.children].map(([name, c]) => describe(name, c));
  }

  async stat(path: readonly string[]): Promise<SourceEntry> {
    return describe(path[path.length - 1] ?? '', this.node(path));
  }

  async createReadStream(path: readonly string[]): Promise<AsyncIterable<Uint8Array>> {
    this.beforeOpen?.(path);
    const n = this.node(path);
    if (n.type !== 'file') throw errorWithCode('EISDIR');
    if (n.fail?.phase === 'open') throw errorWithCode(n.fail.code);
    this.filesOpened++;
    return this.chunks(n.data, n.fail);
  }

  private async *chunks(data: Buffer, fail: FailSpec | undefined): AsyncGenerator<Uint8Array> {
    const half = Math.max(1, Math.floor(data.length / 2));
    this.bytesRead += Math.min(half, data.length);
    yield data.subarray(0, half);
    if (fail?.phase === 'read') throw errorWithCode(fail.code);
    if (data.length > half) {
      this.bytesRead += data.length - half;
      yield data.subarray(half);
    }
  }
}

function describe(name: string, n: MemNode): SourceEntry {
  if (n.type === 'file') return { name, type: 'file', size: n.data.length, mtime: n.mtime, ...(n.mode !== undefined ? { mode: n.mode } : {}) };
  if (n.type === 'directory') return { name, type: 'directory', size: 0, mtime: n.mtime, ...(n.mode !== undefined ? { mode: n.mode } : {}) };
  return { name, type: 'symlink', size: n.target.length, mtime: n.mtime, symlinkTarget: n.target };
}
