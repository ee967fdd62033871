import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../harness/services.js';
import { download, memberKey, openFilesUnder, readArchive, type ReadMember, until } from './archive.helpers.js';
import { ApiClient, SeededStore, type SeedEntry, big, bytesOf, escapedName, longName, seedBrowseClient, sha256Hex, treeOne, treeTwo, unicodeName } from './browse.seed.js';

const huge = bytesOf(48 * 1024 * 1024, 'huge.bin');

/** What an archive of `prefix` (a folder of snapshot 1) must hold: member name (relative to the folder's parent) → entry. */
function expectedMembers(tree: readonly SeedEntry[], prefix: string): Map<string, SeedEntry> {
  const base = prefix.split('/').slice(0, -1).join('/');
  return new Map(tree.filter((e) => e.path === prefix || e.path.startsWith(`${prefix}/`)).map((e) => [base ? e.path.slice(base.length + 1) : e.path, e]));
}

/** Compares what Python read back with the seeded tree; names the store escapes are matched by content. */
function compareMembers(read: Map<string, ReadMember>, expected: Map<string, SeedEntry>, format: 'zip' | 'tar'): string[] {
  const problems: string[] = [];
  const byKey = new Map([...read.values()].map((m) => [memberKey(m.name), m]));
  const escapedRead = [...byKey.entries()].filter(([key]) => /(^|\/)~BT~[0-9a-f]{32}~[^/]*$/.test(key));
  for (const [name, entry] of expected) {
    const leaf = name.split('/').at(-1)!;
    let member = byKey.get(name);
    if (!member && (leaf === escapedName || leaf === longName)) {
      member = escapedRead.map(([, m]) => m).find((m) => entry.type === 'file' && m.sha256 === sha256Hex(entry.content));
    }
    if (!member) {
      problems.push(`missing ${name}`);
      continue;
    }
    const seconds = Math.floor(entry.mtime / 1000);
    const mtime = format === 'zip' ? seconds - (seconds % 2) : seconds;
    const kind = entry.type === 'dir' ? 'directory' : entry.type;
    if (member.kind !== kind) problems.push(`${name}: ${member.kind}, expected ${kind}`);
    if (member.mtime !== mtime) problems.push(`${name}: mtime ${member.mtime}, expected ${mtime}`);
    if (member.mode !== 0o644) problems.push(`${name}: mode ${member.mode.toString(8)}`);
    if (entry.type === 'file' && (member.sha256 !== sha256Hex(entry.content) || member.size !== entry.content.length)) problems.push(`${name}: content differs`);
    if (entry.type === 'symlink' && member.target !== entry.target) problems.push(`${name}: target ${member.target}`);
  }
  if (read.size !== expected.size) problems.push(`${read.size} members, expected ${expected.size}`);
  for (const member of read.values()) {
    if (member.name.startsWith('/') || member.name.split('/').includes('..')) problems.push(`member ${member.name} escapes`);
  }
  return problems;
}

describe('archive downloads from a seeded store (real api, Postgres, store; read back by Python)', () => {
  let stack: Stack;
  let api: ApiClient;
  let seeded: SeededStore;
  let clientId: string;
  let work: string;
  let storeRoot: string;

  beforeAll(async () => {
    storeRoot = await SeededStore.tempRoot();
    work = await mkdtemp(join(tmpdir(), 'bt-archive-e2e-'));
    stack = await startStack({ services: ['api'], env: { STORE_ROOT: storeRoot, FILE_SHARE_ROOTS: '/srv' } });
    api = new ApiClient(stack.apiUrl);
    expect((await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword })).status).toBe(200);
    seeded = await SeededStore.create(stack.env.DATABASE_URL!, storeRoot);
    ({ clientId } = await seedBrowseClient(api, seeded));
    await seeded.snapshot(clientId, 3, [...treeTwo(), { path: 'docs/huge.bin', type: 'file', mtime: Date.UTC(2025, 5, 1), content: huge }]);
  });

  afterAll(async () => {
    await seeded?.cleanup();
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const archivePath = (seq: number, format: string, paths: string[]) =>
    `/clients/${clientId}/snapshots/${seq}/archive?format=${encodeURIComponent(format)}${paths.map((p) => `&path=${encodeURIComponent(p)}`).join('')}`;

  it.each(['zip', 'tar', 'tar.gz'] as const)('a folder as %s: every entry, its bytes, mtime and mode; hostile names escaped, the symlink kept as a symlink', async (format) => {
    const file = join(work, `docs-1.${format}`);
    const response = await download(api, archivePath(1, format, ['docs']), file);
    expect(response.status, response.body).toBe(200);
    expect(response.headers.get('content-type')).toBe({ zip: 'application/zip', tar: 'application/x-tar', 'tar.gz': 'application/gzip' }[format]);
    expect(response.headers.get('content-disposition')).toContain(`filename*=UTF-8''ws-browse-1-docs.${format}`);
    const read = await readArchive(file, format);
    expect(compareMembers(read, expectedMembers(treeOne(), 'docs'), format === 'zip' ? 'zip' : 'tar')).toEqual([]);
    const link = [...read.values()].find((m) => memberKey(m.name) === 'docs/link')!;
    expect(link).toMatchObject({ kind: 'symlink', target: '../../../etc/passwd' });
    expect(read.get('docs/sub/b.bin')?.sha256).toBe(sha256Hex(big));
    if (format === 'zip') expect(read.get(`docs/${unicodeName}`)?.utf8).toBe(true);
  });

  it('a selection from two shares, named from their common root; the whole snapshot when nothing is selected', async () => {
    const file = join(work, 'selection.zip');
    expect((await download(api, archivePath(2, 'zip', ['docs/a.txt', 'docs/sub', 'photos/p.jpg', 'docs/sub']), file)).status).toBe(200);
    const names = [...(await readArchive(file, 'zip')).values()].map((m) => memberKey(m.name)).sort();
    expect(names).toEqual(['docs/a.txt', 'docs/sub', 'photos/p.jpg']);
    const file2 = join(work, 'two-files.tar');
    expect((await download(api, archivePath(2, 'tar', ['docs/a.txt', 'docs/new.txt']), file2)).status).toBe(200);
    const two = await readArchive(file2, 'tar');
    expect([...two.keys()].sort()).toEqual(['a.txt', 'new.txt']);
    expect(two.get('new.txt')?.sha256).toBe(sha256Hex(Buffer.from('new in two\n')));

    const whole = join(work, 'whole.tar');
    const response = await download(api, archivePath(2, 'tar', []), whole);
    expect(response.headers.get('content-disposition')).toContain(`filename*=UTF-8''ws-browse-2.tar`);
    const all = await readArchive(whole, 'tar');
    expect(all.size).toBe(treeTwo().length);
    expect(all.get('photos/p.jpg')?.sha256).toBe(sha256Hex(bytesOf(5000, 'p.jpg')));
  });

  it('refuses a bad request before sending anything, with a reason', async () => {
    const cases: [string, number, string][] = [
      [archivePath(1, 'rar', ['docs']), 400, 'format must be one of zip, tar, tar.gz'],
      [`/clients/${clientId}/snapshots/1/archive`, 400, 'format must be one of zip, tar, tar.gz'],
      [archivePath(1, 'zip', ['../etc']), 400, '".." components'],
      [archivePath(1, 'zip', ['/etc/passwd']), 400, 'no leading "/"'],
      [archivePath(1, 'zip', ['docs', 'docs/a\0b']), 400, 'NUL'],
      [archivePath(1, 'zip', ['docs/nope']), 404, 'No docs/nope in snapshot 1'],
      [archivePath(1, 'zip', ['docs/new.txt']), 404, 'No docs/new.txt in snapshot 1'],
      [archivePath(9, 'zip', []), 404, 'Snapshot 9 does not exist'],
    ];
    for (const [path, status, reason] of cases) {
      const response = await api.call('GET', path);
      expect(response.status, path).toBe(status);
      expect([response.json?.message].flat().join('; '), path).toContain(reason);
    }
    expect((await new ApiClient(stack.apiUrl).call('GET', archivePath(1, 'zip', ['docs']))).status).toBe(401);
  });

  it('reads the store only as fast as the client takes the archive, and stops reading when the client goes away', async () => {
    const apiPid = stack.services.find((s) => s.name === 'api')!.process.pid!;
    const poolDir = join(storeRoot, 'pool');
    const abort = new AbortController();
    const response = await api.raw(archivePath(3, 'zip', ['docs/huge.bin']), { signal: abort.signal });
    expect(response.status).toBe(200);
    const body = response.body!.getReader();
    let received = 0;
    while (received < 1024 * 1024) received += (await body.read()).value?.length ?? 0;
    // The client now stops reading: the api holds the pool file open, and its read offset stops
    // well short of the end (back-pressure through the socket), however long we look.
    await until('the api to hold the pool file open', async () => (await openFilesUnder(apiPid, poolDir)).length === 1);
    let settled = -1;
    await until('the read offset to stop moving', async () => {
      const now = (await openFilesUnder(apiPid, poolDir))[0]?.pos ?? -1;
      const still = now === settled;
      settled = now;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return still;
    });
    expect(settled).toBeGreaterThan(0);
    expect(settled).toBeLessThan(huge.length / 2);
    abort.abort();
    await until('the api to close the pool file', async () => (await openFilesUnder(apiPid, poolDir)).length === 0);
    expect(await openFilesUnder(apiPid, storeRoot)).toEqual([]);
    // The api is fine afterwards: the same archive in full.
    const file = join(work, 'huge.zip');
    expect((await download(api, archivePath(3, 'zip', ['docs/huge.bin']), file)).status).toBe(200);
    expect((await readArchive(file, 'zip')).get('huge.bin')?.sha256).toBe(sha256Hex(huge));
  });
});
