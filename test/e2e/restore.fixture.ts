import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ApiClient } from '../harness/api-client.js';

/** Names Samba holds as they are: Unicode, spaces, quotes, leading dash and dot, percent and hash signs. */
export const awkwardNames = ['Ünïcödé — 日本語.txt', 'spaces  in  name .md', "it's \"quoted\".txt", '-leading-dash', '.hidden', '100% #1 & co.csv', 'emoji 🎉.bin', 'äöü ÄÖÜ ß'];

export interface EntryState {
  type: 'file' | 'dir';
  sha256?: string;
  size?: number;
  mtimeMs: number;
}
/** Every path under a root with its content hash and mtime; folders with their mtime too. */
export type DiskState = Map<string, EntryState>;

export async function readDisk(root: string, rel = '', out: DiskState = new Map()): Promise<DiskState> {
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    const info = await stat(join(root, path));
    if (entry.isDirectory()) {
      await readDisk(root, path, out);
      out.set(path, { type: 'dir', mtimeMs: info.mtimeMs });
    } else {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(join(root, path))) hash.update(chunk as Buffer);
      out.set(path, { type: 'file', sha256: hash.digest('hex'), size: info.size, mtimeMs: info.mtimeMs });
    }
  }
  return out;
}

/** Differences, content and mtime to the millisecond; folders by mtime unless `ignoreDirTimes`. */
export function diffDisk(expected: DiskState, actual: DiskState, { ignoreDirTimes = false } = {}): string[] {
  const problems: string[] = [];
  for (const [path, want] of expected) {
    const got = actual.get(path);
    if (!got) problems.push(`missing ${path}`);
    else if (got.type !== want.type) problems.push(`${path}: ${got.type} instead of ${want.type}`);
    else if (got.sha256 !== want.sha256) problems.push(`${path}: content differs`);
    else if ((want.type === 'file' || !ignoreDirTimes) && Math.abs(got.mtimeMs - want.mtimeMs) > 1) problems.push(`${path}: mtime ${got.mtimeMs} != ${want.mtimeMs}`);
  }
  for (const path of actual.keys()) if (!expected.has(path)) problems.push(`unexpected ${path}`);
  return problems;
}

/** Only the entries under `prefix`, with the prefix removed. */
export function subtree(state: DiskState, prefix: string): DiskState {
  const out: DiskState = new Map();
  for (const [path, value] of state) if (path.startsWith(`${prefix}/`)) out.set(path.slice(prefix.length + 1), value);
  return out;
}

const past = (days: number) => new Date(Date.UTC(2025, 0, 1) + days * 86_400_000 + 123);

/** A tree with nested folders, awkward names, empty files and folders and one large file. */
export async function generateTree(root: string, bigMiB: number): Promise<void> {
  const files: [string, Buffer][] = [
    ['top.txt', Buffer.from('top level\n')],
    ['nested/a/b/c/deep.txt', Buffer.from('deep down\n')],
    ['nested/a/one.txt', Buffer.from('one\n')],
    ['nested/a/two.bin', randomBytes(70_000)],
    ['nested/keep.txt', Buffer.from('keep me\n')],
    ['nested/change-me.txt', Buffer.from('version one\n')],
    ['nested/delete-me.txt', Buffer.from('to be deleted\n')],
    ['empty-file', Buffer.alloc(0)],
    ['nested/a/empty too', Buffer.alloc(0)],
    ...awkwardNames.map((name, i) => [`names/${name}`, randomBytes(100 + i)] as [string, Buffer]),
    ...Array.from({ length: 40 }, (_, i) => [`many/f${String(i).padStart(3, '0')}.dat`, randomBytes(4096)] as [string, Buffer]),
  ];
  for (const [path, data] of files) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), data);
  }
  await mkdir(join(root, 'empty-dir'), { recursive: true });
  await mkdir(join(root, 'nested/empty-sub'), { recursive: true });
  const big = join(root, 'big.bin');
  const chunk = randomBytes(1024 * 1024);
  const { open } = await import('node:fs/promises');
  const fh = await open(big, 'w');
  for (let i = 0; i < bigMiB; i++) {
    chunk.writeUInt32LE(i, 0);
    await fh.write(chunk);
  }
  await fh.close();
  // Distinct, old mtimes (with milliseconds), folders after their contents.
  let day = 0;
  for (const [path] of files) await utimes(join(root, path), past(day), past(day++));
  await utimes(big, past(day), past(day++));
  for (const dir of ['nested/a/b/c', 'nested/a/b', 'nested/a', 'nested/empty-sub', 'nested', 'names', 'many', 'empty-dir']) await utimes(join(root, dir), past(day), past(day++));
}

export async function login(api: ApiClient, email: string, password: string): Promise<void> {
  expect((await api.call('POST', '/auth/login', { email, password })).status).toBe(200);
}

export async function createClientWithShare(api: ApiClient, name: string, url: string, username: string, password: string): Promise<{ clientId: string; shareId: string }> {
  const client = await api.call('POST', '/clients', { name, hostname: `${name}.lan` });
  expect(client.status, client.text).toBe(201);
  const share = await api.call('POST', `/clients/${client.json.id}/shares`, { name: 'docs', url, username, password });
  expect(share.status, share.text).toBe(201);
  return { clientId: client.json.id, shareId: share.json.id };
}

export async function backup(api: ApiClient, clientId: string): Promise<{ seq: number; state: string }> {
  const started = await api.call('POST', `/clients/${clientId}/backups`, {});
  expect(started.status, started.text).toBe(202);
  const deadline = Date.now() + 300_000;
  for (;;) {
    const run = await api.call('GET', `/runs/${started.json.runId}`);
    if (['succeeded', 'partial', 'failed'].includes(run.json.state)) {
      expect(run.json.state, run.json.error).not.toBe('failed');
      return { seq: run.json.seq, state: run.json.state };
    }
    if (Date.now() > deadline) throw new Error(`backup still ${run.json.state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface RestoreRow {
  id: string;
  state: string;
  restored: number;
  skipped: number;
  renamed: number;
  failed: number;
  removed: number;
  bytes: number;
  filesTotal: number | null;
  bytesTotal: number | null;
  error: string | null;
}

export async function startRestore(api: ApiClient, body: Record<string, unknown>): Promise<string> {
  const created = await api.call('POST', '/restores', body);
  expect(created.status, created.text).toBe(201);
  return created.json.id;
}

export async function waitRestore(api: ApiClient, id: string, done: (r: RestoreRow) => boolean = (r) => ['succeeded', 'partial', 'failed', 'cancelled'].includes(r.state), timeoutMs = 300_000): Promise<RestoreRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = (await api.call('GET', `/restores/${id}`)).json as RestoreRow;
    if (done(row)) return row;
    if (Date.now() > deadline) throw new Error(`restore ${id} still ${row.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function restoreLog(api: ApiClient, id: string): Promise<string[]> {
  return ((await api.call('GET', `/restores/${id}/log?limit=1000`)).json.lines as { message: string }[]).map((l) => l.message);
}
