import { type Readable, Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';
import ZipStream from 'zip-stream';

export const ARCHIVE_FORMATS = ['zip', 'tar', 'tar.gz'] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

export const ARCHIVE_CONTENT_TYPES: Record<ArchiveFormat, string> = { zip: 'application/zip', tar: 'application/x-tar', 'tar.gz': 'application/gzip' };

/** One member of an archive; a file's content is opened only when its turn comes. */
export interface ArchiveMember {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mtime: Date;
  /** Permission bits. */
  mode: number;
  size: number;
  linkTarget?: string;
  open?: (signal: AbortSignal) => Promise<Readable>;
}

interface FormatWriter {
  add(member: ArchiveMember, content: Content): Promise<void>;
  finish(): void;
  destroy(): void;
}

const OUTPUT_BUFFER = 1024 * 1024;
const BATCH_BYTES = 64 * 1024;

/**
 * Joins the archive libraries' many small writes (a zip header is a dozen 2- and 4-byte writes)
 * into blocks of at least 64 KiB, so the response is not one chunked-encoding frame and one
 * syscall per header field.
 */
function coalescing(): Transform {
  let pending: Buffer[] = [];
  let size = 0;
  return new Transform({
    highWaterMark: OUTPUT_BUFFER,
    transform(chunk: Buffer, _encoding, done) {
      if (size === 0 && chunk.length >= BATCH_BYTES) return done(null, chunk);
      pending.push(chunk);
      size += chunk.length;
      if (size < BATCH_BYTES) return done();
      const block = Buffer.concat(pending, size);
      pending = [];
      size = 0;
      done(null, block);
    },
    flush(done) {
      done(null, size > 0 ? Buffer.concat(pending, size) : null);
    },
  });
}

/** Small files are read ahead, a few at a time, so per-file open/read/close latency overlaps. */
const READ_AHEAD_FILES = 16;
const READ_AHEAD_MAX_BYTES = 256 * 1024;

type Content = Readable | Buffer | null;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Members paired with their content, in order. Files up to 256 KiB are read whole up to 16 members
 * ahead (at most 4 MiB held); bigger ones are opened only when their turn comes and streamed.
 */
async function* withContent(members: AsyncIterable<ArchiveMember>, signal: AbortSignal): AsyncGenerator<{ member: ArchiveMember; content: Content }> {
  const queue: { member: ArchiveMember; content: Promise<Content> | null }[] = [];
  const start = (member: ArchiveMember): Promise<Content> | null => {
    if (member.type !== 'file' || member.size === 0 || !member.open) return Promise.resolve(null);
    if (member.size > READ_AHEAD_MAX_BYTES) return null;
    const content = member.open(signal).then(readAll);
    // Awaited in order below; this guard only keeps an abandoned read (after an abort) from being an unhandled rejection.
    content.catch(() => undefined);
    return content;
  };
  const iterator = members[Symbol.asyncIterator]();
  try {
    for (;;) {
      while (queue.length < READ_AHEAD_FILES) {
        const item = await iterator.next();
        if (item.done) break;
        queue.push({ member: item.value, content: start(item.value) });
      }
      const head = queue.shift();
      if (!head) return;
      const content = head.content ?? (head.member.open ? head.member.open(signal) : Promise.resolve(null));
      yield { member: head.member, content: await content };
    }
  } finally {
    await iterator.return?.();
  }
}

/**
 * Streams members into a zip, tar or tar.gz, only as fast as the returned stream is consumed;
 * destroying the returned stream (the client went away) aborts the reads in progress and stops
 * pulling members.
 */
export function writeArchive(format: ArchiveFormat, members: AsyncIterable<ArchiveMember>): Readable {
  const output = coalescing();
  const abort = new AbortController();
  output.once('close', () => abort.abort());
  const writer = format === 'zip' ? zipWriter(output) : tarWriter(output, format === 'tar.gz');
  void (async () => {
    for await (const { member, content } of withContent(members, abort.signal)) {
      if (abort.signal.aborted) break;
      await untilAborted(writer.add(member, content), abort.signal);
    }
    if (abort.signal.aborted) writer.destroy();
    else writer.finish();
  })().catch((error: unknown) => {
    writer.destroy();
    output.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return output;
}

/** Resolves when the work is done or the signal fires, whichever is first. */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function zipWriter(output: Transform): FormatWriter {
  // Stored, not deflated: backups are mostly compressed formats already and deflate would make
  // the CPU, not the network, the limit. zip64 records are written where a size or offset needs them.
  const zip = new ZipStream({ store: true });
  zip.on('error', (error: Error) => output.destroy(error));
  zip.pipe(output);
  return {
    add(member, content) {
      const source = member.type === 'file' ? (content ?? Buffer.alloc(0)) : null;
      return new Promise((resolve, reject) => {
        if (content && !Buffer.isBuffer(content)) content.once('error', reject);
        zip.entry(source, { name: member.name, type: member.type, date: member.mtime, mode: member.mode, linkname: member.linkTarget }, (error) => (error ? reject(error) : resolve()));
      });
    },
    finish: () => zip.finalize(),
    destroy: () => zip.destroy(),
  };
}

function tarWriter(output: Transform, gzip: boolean): FormatWriter {
  const pack: Pack = tarPack();
  if (gzip) {
    const compress = createGzip();
    compress.on('error', (error) => output.destroy(error));
    pack.pipe(compress);
    compress.pipe(output);
  } else {
    pack.pipe(output);
  }
  pack.on('error', (error: Error) => output.destroy(error));
  return {
    async add(member, content) {
      const header = { name: member.name, mode: member.mode, mtime: member.mtime };
      if (member.type === 'directory') return entryDone(pack, { ...header, type: 'directory' });
      if (member.type === 'symlink') return entryDone(pack, { ...header, type: 'symlink', linkname: member.linkTarget ?? '' });
      if (!content) return entryDone(pack, { ...header, type: 'file' });
      if (Buffer.isBuffer(content)) return entryDone(pack, { ...header, type: 'file' }, content);
      return new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ ...header, type: 'file', size: member.size }, (error) => (error ? reject(error) : resolve()));
        content.once('error', (error) => {
          sink.destroy(error);
          reject(error);
        });
        content.pipe(sink as unknown as NodeJS.WritableStream);
      });
    },
    finish: () => pack.finalize(),
    destroy: () => pack.destroy(),
  };
}

/** Adds a member whose content is in memory (or none: folder, symlink, empty file). */
function entryDone(pack: Pack, header: Parameters<Pack['entry']>[0], body: Buffer = Buffer.alloc(0)): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, body, (error) => (error ? reject(error) : resolve()));
  });
}
