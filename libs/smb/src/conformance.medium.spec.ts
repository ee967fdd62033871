// Conformance of @backtrac/smb against a real smbd in four configurations (issue 3). Expensive
// fixtures (5k/100k directories, 64 MiB file, sparse 5 GiB file) are created once with local fs
// calls and shared by every configuration through the same share path.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smbclientArgs, startSamba } from '../../../test/harness/samba.js';
import { connect, SmbError, SmbStatusError, type SmbConnectOptions, type SmbSession } from './index.js';
import { Access, Disposition } from './protocol.js';
import type { SmbClientSession } from './session.js';

const execFileP = promisify(execFile);
const USER = 'smbconf';
const PASSWORD = 'C0nformance!';
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

const UNICODE_NAMES = [
  'caf\u00e9-nfc.txt', // NFC
  'cafe\u0301-nfd.txt', // NFD: same text, different bytes; must stay a different file
  'emoji-\u{1F600}\u{1F4BE}.txt',
  '\u6f22\u5b57\u30c6\u30b9\u30c8-\uc548\ub155.txt',
];

let root: string;
let big64: Buffer;
const SPARSE_MARK_OFFSET = 4 * GiB + 12345;
const SPARSE_MARK = randomBytes(3 * MiB);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bt-smb-conf-'));
  await mkdir(join(root, 'dir5k'));
  await mkdir(join(root, 'dir100k'));
  const make = async (dir: string, count: number): Promise<void> => {
    const names = Array.from({ length: count }, (_, i) => `entry-${String(i).padStart(6, '0')}.dat`);
    for (let i = 0; i < names.length; i += 500) {
      await Promise.all(names.slice(i, i + 500).map((n) => writeFile(join(dir, n), '')));
    }
  };
  await make(join(root, 'dir5k'), 5_000);
  await make(join(root, 'dir100k'), 100_000);
  big64 = randomBytes(64 * MiB);
  await writeFile(join(root, 'big64.bin'), big64);
  const fh = await open(join(root, 'sparse5g.bin'), 'w');
  await fh.truncate(5 * GiB);
  await fh.write(SPARSE_MARK, 0, SPARSE_MARK.length, SPARSE_MARK_OFFSET);
  await fh.close();
  await mkdir(join(root, 'unicode'));
  for (const n of UNICODE_NAMES) await writeFile(join(root, 'unicode', n), `content of ${n}`);
  let deep = join(root, 'deep');
  for (let i = 0; i < 40; i++) deep = join(deep, `level${i}`);
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, 'bottom.txt'), 'bottom');
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const CONFIGS: { name: string; global: Record<string, string>; expect: { signing?: boolean; encryption?: boolean; dialect?: string } }[] = [
  { name: 'samba defaults', global: {}, expect: {} },
  { name: 'server signing = mandatory', global: { 'server signing': 'mandatory' }, expect: { signing: true } },
  {
    name: 'SMB3_11 only + smb encrypt = required',
    global: { 'server min protocol': 'SMB3_11', 'smb encrypt': 'required' },
    expect: { encryption: true, dialect: '3.1.1' },
  },
  { name: 'aio read/write size = 1 (interim replies)', global: { 'aio read size': '1', 'aio write size': '1' }, expect: {} },
];

describe.each(CONFIGS)('smbd with $name', (config) => {
  let server: Awaited<ReturnType<typeof startSamba>>;
  let session: SmbSession;
  let work: string; // per-config writable directory inside the share

  beforeAll(async () => {
    server = await startSamba({ global: config.global });
    await server.addUser(USER, PASSWORD);
    await server.addShare('data', root);
    work = `w-${CONFIGS.indexOf(config)}`;
    await mkdir(join(root, work));
    session = await connect(server.url('data', USER), { password: PASSWORD }, { timeoutMs: 20_000 });
  });

  afterAll(async () => {
    await session?.close();
    await server?.stop();
  });

  it('logs in with NTLMv2 and negotiates what the server demands', () => {
    const info = session.info;
    if (config.expect.signing) expect(info.signing).toBe(true);
    if (config.expect.encryption) {
      expect(info.encryption).toBe(true);
      expect(info.cipher).toMatch(/^aes-(128|256)-(gcm|ccm)$/);
    }
    if (config.expect.dialect) expect(info.dialect).toBe(config.expect.dialect);
    expect(['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1']).toContain(info.dialect);
  });

  it('round-trips data with every dialect, signing algorithm and cipher the server allows', async () => {
    const variants: SmbConnectOptions[] = config.expect.dialect
      ? (['aes-128-gcm', 'aes-128-ccm', 'aes-256-gcm', 'aes-256-ccm'] as const).map((c) => ({ ciphers: [c] }))
      : [
          ...(['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'] as const).map((d) => ({ dialects: [d] })),
          { dialects: ['3.1.1'], signingAlgorithms: ['aes-cmac'] },
          { dialects: ['3.1.1'], requireSigning: true },
          { dialects: ['3.0'], requireEncryption: true },
          { dialects: ['3.1.1'], requireEncryption: true, ciphers: ['aes-256-ccm'] },
        ];
    for (const variant of variants) {
      const s = await connect(server.url('data', USER), { password: PASSWORD }, variant);
      try {
        const info = s.info;
        if (variant.dialects) expect(info.dialect).toBe(variant.dialects[0]);
        if (variant.ciphers) expect(info.cipher).toBe(variant.ciphers[0]);
        if (variant.requireEncryption || config.expect.encryption) expect(info.encryption).toBe(true);
        if ((config.expect.signing || variant.requireSigning) && !info.encryption) {
          expect(info.signing).toBe(true);
          const expected = variant.signingAlgorithms?.[0] ?? { '2.0.2': 'hmac-sha256', '2.1': 'hmac-sha256', '3.0': 'aes-cmac', '3.0.2': 'aes-cmac', '3.1.1': 'aes-gmac' }[info.dialect];
          expect(info.signingAlgorithm).toBe(expected);
        }
        const data = randomBytes(2 * MiB + 333);
        const name = `${work}/variant-${info.dialect}-${info.cipher ?? 'plain'}-${info.signingAlgorithm}.bin`;
        await s.writeFile(name, data);
        expect(sha256(await s.readFile(name))).toBe(sha256(data));
        expect(sha256(await readFile(join(root, name)))).toBe(sha256(data));
      } finally {
        await s.close();
      }
    }
  });

  it('reports a wrong password as STATUS_LOGON_FAILURE naming the user', async () => {
    const err = await connect(server.url('data', USER), { password: 'wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmbStatusError);
    expect((err as SmbStatusError).statusName).toBe('STATUS_LOGON_FAILURE');
    expect((err as Error).message).toContain(USER);
  });

  it('reports a missing share as STATUS_BAD_NETWORK_NAME and a missing file as not found', async () => {
    const err = await connect(server.url('no-such-share', USER), { password: PASSWORD }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmbStatusError);
    expect((err as SmbStatusError).statusName).toBe('STATUS_BAD_NETWORK_NAME');
    expect((err as SmbStatusError).path).toBe('no-such-share');
    const missing = await session.stat('nope/absent.txt').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SmbStatusError);
    expect((missing as SmbStatusError).statusName).toMatch(/STATUS_OBJECT_(NAME|PATH)_NOT_FOUND/);
    expect((missing as SmbStatusError).path).toBe('nope/absent.txt');
    const missingRead = await session.readFile('absent.txt').catch((e: unknown) => e);
    expect((missingRead as SmbStatusError).statusName).toBe('STATUS_OBJECT_NAME_NOT_FOUND');
  });

  it('lists a 5,000-entry directory completely', async () => {
    const entries = await session.list('dir5k');
    expect(entries.length).toBe(5_000);
    expect(new Set(entries.map((e) => e.name))).toEqual(new Set(await readdir(join(root, 'dir5k'))));
    expect(entries.every((e) => e.type === 'file' && e.size === 0 && e.path === `dir5k/${e.name}`)).toBe(true);
  });

  it('lists a 100,000-entry directory completely', async () => {
    const entries = await session.list('dir100k');
    expect(entries.length).toBe(100_000);
    const names = new Set(entries.map((e) => e.name));
    expect(names.size).toBe(100_000);
    for (let i = 0; i < 100_000; i += 997) expect(names.has(`entry-${String(i).padStart(6, '0')}.dat`)).toBe(true);
    expect(names.has('entry-099999.dat')).toBe(true);
  });

  it('reads a 64 MiB file with sha256 equality (stream.pipeline to disk)', async () => {
    const out = join(root, work, 'read-copy.bin');
    await pipeline(session.createReadStream('big64.bin'), createWriteStream(out));
    expect(await sha256File(out)).toBe(sha256(big64));
    const st = await session.stat('big64.bin');
    expect(st.size).toBe(64 * MiB);
    expect(st.type).toBe('file');
  });

  it('writes a 64 MiB file with sha256 equality (stream.pipeline from a Readable)', async () => {
    const data = randomBytes(64 * MiB);
    const chunks = function* (): Generator<Buffer> {
      for (let off = 0; off < data.length; off += 300_000) yield data.subarray(off, off + 300_000);
    };
    await pipeline(Readable.from(chunks()), session.createWriteStream(`${work}/written.bin`, { overwrite: true }));
    expect(sha256(await readFile(join(root, work, 'written.bin')))).toBe(sha256(data));
    const refused = await session.writeFile(`${work}/written.bin`, Buffer.from('x'), { overwrite: false }).catch((e: unknown) => e);
    expect((refused as SmbStatusError).statusName).toBe('STATUS_OBJECT_NAME_COLLISION');
  });

  it('downloads and uploads 64 MiB through a few reused buffers with sha256 equality', async () => {
    const internal = session as SmbClientSession;
    const direct0 = internal.conn.directReads;
    const out = await open(join(root, work, 'download.bin'), 'w');
    const h = createHash('sha256');
    const lent = new Set<ArrayBufferLike>();
    let expected = 0;
    const bytes = await session.download('big64.bin', (chunk, position) => {
      expect(position).toBe(expected); // in order
      expected += chunk.length;
      lent.add(chunk.buffer);
      h.update(chunk);
      return out.write(chunk, 0, chunk.length, position);
    }, { chunkSize: MiB, concurrency: 3, sinkConcurrency: 2 });
    await out.close();
    expect(bytes).toBe(64 * MiB);
    expect(h.digest('hex')).toBe(sha256(big64));
    expect(await sha256File(join(root, work, 'download.bin'))).toBe(sha256(big64));
    expect(lent.size).toBeLessThanOrEqual(5); // 64 chunks through at most 3 + 2 buffers
    // Plain sessions receive READ data straight into the lent buffers; signed or encrypted ones
    // verify (or decrypt) the whole reply first and copy.
    const plain = !config.expect.signing && !config.expect.encryption;
    if (plain) expect(internal.conn.directReads - direct0).toBeGreaterThanOrEqual(64);
    else expect(internal.conn.directReads - direct0).toBe(0);

    // An unaligned range, with a sink that copies synchronously, on shared buffers (for workers).
    const start = 3 * MiB + 12345;
    const parts: Buffer[] = [];
    let shared = true;
    await session.download('big64.bin', (chunk) => {
      shared &&= chunk.buffer instanceof SharedArrayBuffer;
      parts.push(Buffer.from(chunk));
    }, { start, end: start + 5 * MiB + 17, chunkSize: 256 * 1024, shared: true });
    expect(shared).toBe(true);
    expect(Buffer.concat(parts).equals(big64.subarray(start, start + 5 * MiB + 18))).toBe(true);

    // Upload from a source that fills irregular amounts, then overwrite refused without the flag.
    let pos = 0;
    const mtime = new Date('2015-06-01T12:00:00Z');
    const written = await session.upload(`${work}/uploaded.bin`, (target, position) => {
      expect(position).toBe(pos);
      const n = Math.min(target.length, 300_000 + (pos % 7), big64.length - pos);
      big64.copy(target, 0, pos, pos + n);
      pos += n;
      return n;
    }, { overwrite: true, times: { mtime } });
    expect(written).toBe(64 * MiB);
    expect(await sha256File(join(root, work, 'uploaded.bin'))).toBe(sha256(big64));
    expect((await stat(join(root, work, 'uploaded.bin'))).mtime.getTime()).toBe(mtime.getTime());
    const refused = await session.upload(`${work}/uploaded.bin`, () => 0).catch((e: unknown) => e);
    expect((refused as SmbStatusError).statusName).toBe('STATUS_OBJECT_NAME_COLLISION');

    // A failing sink or source fails the transfer and leaves no handle open.
    const boom = new Error('sink failed');
    let calls = 0;
    await expect(session.download('big64.bin', async () => {
      if (++calls === 3) throw boom;
    }, { chunkSize: MiB })).rejects.toBe(boom);
    const again = await internal.open('big64.bin', { access: Access.FILE_READ_DATA, disposition: Disposition.OPEN, options: 0, share: 0 });
    await internal.closeHandle(again.fileId);
    await expect(session.upload(`${work}/uploaded.bin`, () => Promise.reject(new Error('source failed')), { overwrite: true })).rejects.toThrow('source failed');
    const again2 = await internal.open(`${work}/uploaded.bin`, { access: Access.FILE_READ_DATA, disposition: Disposition.OPEN, options: 0, share: 0 });
    await internal.closeHandle(again2.fileId);
  });

  it('closes handles exactly once when a pipeline fails on either side', async () => {
    const internal = session as SmbClientSession;
    const exclusive = async (path: string): Promise<void> => {
      // An open that shares nothing fails with STATUS_SHARING_VIOLATION while any handle is open.
      const h = await internal.open(path, { access: Access.FILE_READ_DATA, disposition: Disposition.OPEN, options: 0, share: 0 });
      await internal.closeHandle(h.fileId);
    };
    // The check itself must be able to fail: with a stream's handle open it is refused.
    const open = internal.createReadStream('big64.bin');
    await new Promise((r) => open.once('readable', r));
    await expect(exclusive('big64.bin')).rejects.toMatchObject({ statusName: 'STATUS_SHARING_VIOLATION' });
    open.destroy();
    await new Promise((r) => open.once('close', r));
    await exclusive('big64.bin');

    const boom = new Error('destination failed');
    let written = 0;
    const failing = new Writable({
      write(chunk: Buffer, _enc, cb): void {
        written += chunk.length;
        cb(written > 5 * MiB ? boom : null);
      },
    });
    await expect(pipeline(session.createReadStream('big64.bin'), failing)).rejects.toBe(boom);
    await exclusive('big64.bin');

    const source = Readable.from((async function* () {
      yield randomBytes(3 * MiB);
      throw new Error('source failed');
    })());
    const mtime = new Date('2010-01-01T00:00:00Z');
    await expect(pipeline(source, session.createWriteStream(`${work}/partial.bin`, { overwrite: true, times: { mtime } }))).rejects.toThrow('source failed');
    await exclusive(`${work}/partial.bin`);

    await pipeline(Readable.from([Buffer.from('done')]), session.createWriteStream(`${work}/timed.bin`, { overwrite: true, times: { mtime } }));
    expect((await stat(join(root, work, 'timed.bin'))).mtime.getTime()).toBe(mtime.getTime());
    expect((await session.stat(`${work}/timed.bin`)).mtime.getTime()).toBe(mtime.getTime());
  });

  it('serves 64 parallel ranged reads on one session', async () => {
    const size = MiB;
    const reads = Array.from({ length: 64 }, async (_, i) => {
      const start = i * size - i * 7; // unaligned, overlapping neighbours
      const chunks: Buffer[] = [];
      for await (const c of session.createReadStream('big64.bin', { start, end: start + size - 1 - i, chunkSize: 256 * 1024 })) chunks.push(c as Buffer);
      return { start, length: size - i, data: Buffer.concat(chunks) };
    });
    for (const { start, length, data } of await Promise.all(reads)) {
      expect(data.length).toBe(length);
      expect(data.equals(big64.subarray(start, start + length))).toBe(true);
    }
  });

  it('reads a range past 4 GiB of a sparse 5 GiB file', async () => {
    const st = await session.stat('sparse5g.bin');
    expect(st.size).toBe(5 * GiB);
    const start = SPARSE_MARK_OFFSET - 1000;
    const chunks: Buffer[] = [];
    for await (const c of session.createReadStream('sparse5g.bin', { start, end: start + SPARSE_MARK.length + 1999 })) chunks.push(c as Buffer);
    const got = Buffer.concat(chunks);
    expect(got.length).toBe(SPARSE_MARK.length + 2000);
    expect(got.subarray(0, 1000).equals(Buffer.alloc(1000))).toBe(true);
    expect(got.subarray(1000, 1000 + SPARSE_MARK.length).equals(SPARSE_MARK)).toBe(true);
    expect(got.subarray(1000 + SPARSE_MARK.length).equals(Buffer.alloc(1000))).toBe(true);
  });

  it('keeps Unicode names (NFC, NFD, emoji, CJK) exact in both directions', async () => {
    const listed = (await session.list('unicode')).map((e) => e.name).sort();
    expect(listed).toEqual([...UNICODE_NAMES].sort());
    for (const n of UNICODE_NAMES) expect((await session.readFile(`unicode/${n}`)).toString()).toBe(`content of ${n}`);
    await session.mkdir(`${work}/uni`, { recursive: true });
    for (const n of UNICODE_NAMES) await session.writeFile(`${work}/uni/${n}`, Buffer.from(n));
    const local = await readdir(join(root, work, 'uni'));
    expect(local.sort()).toEqual([...UNICODE_NAMES].sort());
    for (const n of UNICODE_NAMES) expect(await readFile(join(root, work, 'uni', n), 'utf8')).toBe(n);
  });

  it('creates, walks and reads a 40-level deep tree', async () => {
    const levels = Array.from({ length: 40 }, (_, i) => `d${i}`);
    const deep = `${work}/${levels.join('/')}`;
    await session.mkdir(deep, { recursive: true });
    await session.writeFile(`${deep}/leaf.txt`, Buffer.from('leaf'));
    expect((await stat(join(root, work, ...levels, 'leaf.txt'))).size).toBe(4);
    const walked: string[] = [];
    for await (const e of session.walk('deep')) walked.push(e.path);
    expect(walked.length).toBe(41);
    const bottom = walked.find((p) => p.endsWith('bottom.txt'))!;
    expect(bottom.split('/').length).toBe(42);
    expect((await session.readFile(bottom)).toString()).toBe('bottom');
  });

  it('round-trips setTimes and supports rename and unlink', async () => {
    const path = `${work}/times.txt`;
    await session.writeFile(path, Buffer.from('t'));
    const mtime = new Date('2001-02-03T04:05:06.789Z');
    const atime = new Date('2002-03-04T05:06:07.000Z');
    await session.setTimes(path, { mtime, atime });
    const st = await session.stat(path);
    expect(st.mtime.getTime()).toBe(mtime.getTime());
    expect(st.atime.getTime()).toBe(atime.getTime());
    expect((await stat(join(root, work, 'times.txt'))).mtime.getTime()).toBe(mtime.getTime());
    await session.rename(path, `${work}/times-renamed.txt`);
    expect((await session.stat(`${work}/times-renamed.txt`)).mtime.getTime()).toBe(mtime.getTime());
    await session.unlink(`${work}/times-renamed.txt`);
    const gone = await session.stat(`${work}/times-renamed.txt`).catch((e: unknown) => e);
    expect((gone as SmbStatusError).statusName).toBe('STATUS_OBJECT_NAME_NOT_FOUND');
  });

  it('cross-checks with smbclient in both directions', async () => {
    const ours = randomBytes(5 * MiB + 17);
    await session.writeFile(`${work}/by-us.bin`, ours);
    const local = join(root, work, 'fetched-by-smbclient.bin');
    const args = smbclientArgs(server, 'data', USER, PASSWORD);
    await execFileP('smbclient', [...args, '-c', `get ${work}/by-us.bin ${local}`]);
    expect(sha256(await readFile(local))).toBe(sha256(ours));
    const theirs = randomBytes(3 * MiB + 5);
    const src = join(tmpdir(), `bt-smbclient-src-${process.pid}-${CONFIGS.indexOf(config)}.bin`);
    await writeFile(src, theirs);
    try {
      await execFileP('smbclient', [...args, '-c', `put ${src} ${work}/by-smbclient.bin`]);
    } finally {
      await rm(src, { force: true });
    }
    expect(sha256(await session.readFile(`${work}/by-smbclient.bin`))).toBe(sha256(theirs));
  });

  it('fails within the timeout when smbd is stopped or killed mid-read', async () => {
    for (const signal of ['SIGSTOP', 'SIGKILL'] as const) {
      const before = new Set(await server.processIds());
      const victim = await connect(server.url('data', USER), { password: PASSWORD }, { timeoutMs: 1500 });
      const child = (await server.processIds()).filter((p) => !before.has(p));
      expect(child.length).toBeGreaterThan(0);
      const stream = victim.createReadStream('big64.bin', { chunkSize: 64 * 1024, concurrency: 2 });
      const started = Date.now();
      const outcome = new Promise<unknown>((resolve) => {
        let got = 0;
        stream.on('data', (c: Buffer) => {
          got += c.length;
          if (got >= 256 * 1024 && got - c.length < 256 * 1024) {
            for (const pid of child) process.kill(pid, signal);
          }
        });
        stream.on('error', resolve);
        stream.on('end', () => resolve(new Error('stream ended without an error')));
      });
      const err = await outcome;
      const elapsed = Date.now() - started;
      expect(err).toBeInstanceOf(SmbError);
      expect(elapsed).toBeLessThan(1500 + 2000);
      if (signal === 'SIGSTOP') expect((err as SmbError).code).toBe('ETIMEDOUT');
      await victim.close();
      for (const pid of child) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    // The main session is served by another smbd child and keeps working.
    expect((await session.stat('big64.bin')).size).toBe(64 * MiB);
  });
});
