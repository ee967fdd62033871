import { PassThrough, type Readable } from 'node:stream';
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
  add(member: ArchiveMember, content: Readable | null, signal: AbortSignal): Promise<void>;
  finish(): void;
  destroy(): void;
}

const OUTPUT_BUFFER = 1024 * 1024;

/**
 * Streams members into a zip, tar or tar.gz. One member is read at a time and only as fast as the
 * returned stream is consumed; destroying the returned stream (the client went away) aborts the
 * member being read and stops pulling members.
 */
export function writeArchive(format: ArchiveFormat, members: AsyncIterable<ArchiveMember>): Readable {
  const output = new PassThrough({ highWaterMark: OUTPUT_BUFFER });
  const abort = new AbortController();
  output.once('close', () => abort.abort());
  const writer = format === 'zip' ? zipWriter(output) : tarWriter(output, format === 'tar.gz');
  void (async () => {
    for await (const member of members) {
      if (abort.signal.aborted) break;
      const content = member.type === 'file' && member.size > 0 && member.open ? await member.open(abort.signal) : null;
      await untilAborted(writer.add(member, content, abort.signal), abort.signal);
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

function zipWriter(output: PassThrough): FormatWriter {
  // Stored, not deflated: backups are mostly compressed formats already and deflate would make
  // the CPU, not the network, the limit. zip64 records are written where a size or offset needs them.
  const zip = new ZipStream({ store: true });
  zip.on('error', (error: Error) => output.destroy(error));
  zip.pipe(output);
  return {
    add(member, content) {
      const source = member.type === 'file' ? (content ?? Buffer.alloc(0)) : null;
      return new Promise((resolve, reject) => {
        content?.once('error', reject);
        zip.entry(source, { name: member.name, type: member.type, date: member.mtime, mode: member.mode, linkname: member.linkTarget }, (error) => (error ? reject(error) : resolve()));
      });
    },
    finish: () => zip.finalize(),
    destroy: () => zip.destroy(),
  };
}

function tarWriter(output: PassThrough, gzip: boolean): FormatWriter {
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

/** Adds a member without content (folder, symlink, empty file). */
function entryDone(pack: Pack, header: Parameters<Pack['entry']>[0]): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
  });
}
