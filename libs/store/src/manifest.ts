import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { displayPath, encodePath, isAmbiguous } from './name-codec.js';

export type EntryType = 'file' | 'directory' | 'symlink';

/** One line of `.backtrac/manifest.jsonl.gz`. */
export interface ManifestEntry {
  /** Client path relative to the share root, components joined by '/'. */
  path: string;
  /** The true components, present only when a component itself contains '/'. */
  segments?: string[];
  type: EntryType;
  /** Bytes for files, 0 for directories, target length for symlinks. */
  size: number;
  /** Modification time, milliseconds since the epoch (fraction allowed). */
  mtime: number;
  /** Permission bits (07777); 0 when the source does not know them. */
  mode: number;
  /** SHA-256 of the contents (files only, including empty files). */
  sha256?: string;
  /** Symlink target exactly as read, never followed. */
  target?: string;
  /** On-disk path relative to the snapshot when it differs from `path` (escaped names). */
  disk?: string;
  /**
   * Directories that are shared folders: the tree hash naming `dirs/<aa>/<bb>/<tree>/`. Recorded
   * in the snapshot's trees file (known only once the folder is complete) and merged in on read.
   */
  tree?: string;
}

export interface EntryMeta {
  size: number;
  mtime: number;
  mode?: number;
}

const BATCH_LINES = 512;

/**
 * The line an entry was read from, kept on entries that come from a manifest: an unchanged entry
 * passed on to the next snapshot's manifest is written as that line, not serialised again.
 * Entries read from a manifest are therefore never modified (copy them to change a field).
 */
const SOURCE_LINE = Symbol('manifest line');
type ReadEntry = ManifestEntry & { [SOURCE_LINE]?: string };

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function makeEntry(
  segments: readonly string[],
  type: EntryType,
  meta: EntryMeta,
  extra: { sha256?: string; target?: string } = {},
): ManifestEntry {
  const path = displayPath(segments);
  const entry: ManifestEntry = { path, type, size: meta.size, mtime: meta.mtime, mode: meta.mode ?? 0 };
  if (isAmbiguous(segments)) entry.segments = [...segments];
  if (extra.sha256 !== undefined) entry.sha256 = extra.sha256;
  if (extra.target !== undefined) entry.target = extra.target;
  const disk = encodePath(segments);
  if (disk !== path) entry.disk = disk;
  return entry;
}

export function entrySegments(entry: ManifestEntry): string[] {
  return entry.segments ?? (entry.path === '' ? [] : entry.path.split('/'));
}

export function entryDiskPath(entry: ManifestEntry): string {
  return entry.disk ?? entry.path;
}

/** Streams entries into a gzip'd JSON-lines file, honouring back-pressure. */
export class ManifestWriter {
  private readonly gzip: Gzip;
  private readonly file: WriteStream;
  private count = 0;
  private pending: string[] = [];
  private readonly filePath: string;

  constructor(filePath: string) {
    this.filePath = filePath;
    // Level 1: manifests are written on every run and compress well even so; CPU is the scarcer resource.
    // Large buffers: each zlib chunk is a thread-pool round trip, and a full buffer stalls the walk.
    this.gzip = createGzip({ level: 1, chunkSize: 256 * 1024 });
    this.file = createWriteStream(filePath, { flags: 'wx', highWaterMark: 1024 * 1024 });
    this.gzip.pipe(this.file);
  }

  get entries(): number {
    return this.count;
  }

  async append(entry: ManifestEntry): Promise<void> {
    this.count++;
    // Lines are batched: zlib pays per write call, and a manifest has one line per file.
    this.pending.push((entry as ReadEntry)[SOURCE_LINE] ?? JSON.stringify(entry));
    if (this.pending.length >= BATCH_LINES) await this.flushPending();
  }

  private async flushPending(): Promise<void> {
    if (this.pending.length === 0) return;
    this.gzip.write(this.pending.join('\n') + '\n');
    this.pending = [];
    // Buffer up to 1 MiB before waiting: each drain is a thread-pool round trip that stalls the walk.
    if (this.gzip.writableLength > 1024 * 1024) await once(this.gzip, 'drain');
  }

  /** Flushes the manifest; fsyncs it too when asked (the store's syncfs usually covers it). */
  async close(fsync = false): Promise<void> {
    await this.flushPending();
    const done = once(this.file, 'close');
    this.gzip.end();
    await done;
    if (!fsync) return;
    const fh = await open(this.filePath, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Stops writing without making the file durable (the snapshot stays .partial). */
  async abandon(): Promise<void> {
    const done = once(this.file, 'close').catch(() => undefined);
    this.gzip.end();
    await done;
  }
}

export async function* readManifestFile(filePath: string): AsyncGenerator<ManifestEntry> {
  // Iterating the stream itself (not readline) makes a truncated or corrupt gzip throw here.
  const file = createReadStream(filePath, { highWaterMark: 1024 * 1024 });
  const input = file.pipe(createGunzip({ chunkSize: 256 * 1024 }));
  file.on('error', (err) => input.destroy(err));
  input.setEncoding('utf8');
  let rest = '';
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) yield parseLine(line);
    }
    if (rest.length > 0) yield parseLine(rest);
  } finally {
    // A reader that stops early (a cancelled download) must not leave the file open.
    file.destroy();
  }
}

function parseLine(line: string): ManifestEntry {
  const entry = JSON.parse(line) as ReadEntry;
  entry[SOURCE_LINE] = line;
  return entry;
}
