import { mkdtemp, rm, unlink, utimes, writeFile, mkdir, rmdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../harness/api-client.js';
import { type SambaServer, startSamba } from '../harness/samba.js';
import { type Stack, startStack } from '../harness/services.js';
import {
  backup, createClientWithShare, type DiskState, diffDisk, generateTree, login, readDisk, restoreLog, startRestore, subtree, waitRestore,
} from './restore.fixture.js';

const BIG_MIB = Number(process.env.RESTORE_E2E_BIG_MIB ?? 300);

/**
 * Restores through the api and the copy worker as real processes into real smbd shares: the
 * share on disk is walked and compared byte for byte and mtime for mtime with what was backed up.
 */
describe('restore (api, copy worker, smbd, Postgres, Redis)', () => {
  let work: string;
  let shareDir: string;
  let otherDir: string;
  let samba: SambaServer;
  let stack: Stack;
  let api: ApiClient;
  let source: { clientId: string; shareId: string };
  let other: { clientId: string; shareId: string };
  let state1: DiskState;
  let state2: DiskState;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bt-restore-e2e-'));
    shareDir = join(work, 'share');
    otherDir = join(work, 'other');
    await mkdir(shareDir);
    await mkdir(otherDir);
    await generateTree(shareDir, BIG_MIB);
    samba = await startSamba();
    await samba.addUser('rita', 'Rita-pass-12');
    await samba.addShare('docs', shareDir);
    await samba.addShare('other', otherDir);
    stack = await startStack({ services: ['api', 'copy-worker'], env: { STORE_ROOT: join(work, 'store'), FILE_SHARE_ROOTS: otherDir } });
    api = new ApiClient(stack.apiUrl);
    await login(api, stack.adminEmail, stack.adminPassword);
    source = await createClientWithShare(api, 'ws-source', `smb://127.0.0.1:${samba.port}/docs`, 'rita', 'Rita-pass-12');
    other = await createClientWithShare(api, 'ws-other', `smb://127.0.0.1:${samba.port}/other`, 'rita', 'Rita-pass-12');

    state1 = await readDisk(shareDir);
    expect((await backup(api, source.clientId)).seq).toBe(1);
    // Change, add and delete, then back up again.
    await writeFile(join(shareDir, 'nested/change-me.txt'), 'version two, longer\n');
    await writeFile(join(shareDir, 'added.txt'), 'added after snapshot 1\n');
    await mkdir(join(shareDir, 'added-dir/sub'), { recursive: true });
    await writeFile(join(shareDir, 'added-dir/sub/x.txt'), 'x');
    await writeFile(join(shareDir, 'nested/a/added-inside.txt'), 'inside');
    await unlink(join(shareDir, 'nested/delete-me.txt'));
    await rmdir(join(shareDir, 'empty-dir'));
    state2 = await readDisk(shareDir);
    expect((await backup(api, source.clientId)).seq).toBe(2);
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
    await samba?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses bad requests with a clear message and records nothing', async () => {
    const bad = async (body: Record<string, unknown>, status: number, message: RegExp) => {
      const response = await api.call('POST', '/restores', body);
      expect(response.status, response.text).toBe(status);
      expect([response.json.message].flat().join('; ')).toMatch(message);
    };
    const base = { clientId: source.clientId, policy: 'overwrite' };
    await bad({ ...base, seq: 1, asOf: new Date().toISOString() }, 400, /exactly one of seq and asOf/);
    await bad({ ...base }, 400, /exactly one of seq and asOf/);
    await bad({ ...base, seq: 1, mirror: true }, 400, /confirmMirror/);
    await bad({ ...base, seq: 9 }, 404, /no snapshot 9/);
    await bad({ ...base, asOf: '2001-01-01T00:00:00Z' }, 404, /no complete snapshot finished at or before 2001-01-01/);
    await bad({ ...base, seq: 1, paths: ['docs/nested/added-inside.txt'] }, 400, /is not in snapshot 1/);
    await bad({ ...base, seq: 1, paths: ['docs/../etc'] }, 400, /"\." or "\.\."/);
    await bad({ ...base, seq: 1, policy: 'clobber' }, 400, /policy must be one of/);
    await bad({ ...base, seq: 1, destination: { clientId: other.clientId, shareId: source.shareId, path: 'x' } }, 400, /does not belong to client ws-other/);
    await bad({ ...base, seq: 1, destination: { clientId: other.clientId, shareId: other.shareId, path: 'a/../../b' } }, 400, /destination.path/);
    const mounted = await api.call('POST', `/clients/${other.clientId}/shares`, { name: 'mounted', url: `file://${otherDir}` });
    expect(mounted.status).toBe(201);
    await bad({ ...base, seq: 1, destination: { clientId: other.clientId, shareId: mounted.json.id, path: '' } }, 400, /not an smb:\/\/ share; restores are written over SMB/);
    expect((await api.call('DELETE', `/shares/${mounted.json.id}`)).status).toBe(204);
    const list = await api.call('GET', `/restores?clientId=${source.clientId}`);
    expect(list.json).toEqual({ items: [], total: 0 });
  });

  it('restores snapshot 1 over the original share with overwrite: added files remain, nothing else differs', async () => {
    const asOf = await api.call('POST', '/restores', { clientId: source.clientId, asOf: new Date().toISOString(), policy: 'overwrite', paths: ['docs/top.txt'] });
    expect(asOf.json.seq, 'as of now is the newest good snapshot').toBe(2);
    await waitRestore(api, asOf.json.id);

    const id = await startRestore(api, { clientId: source.clientId, seq: 1, policy: 'overwrite' });
    const done = await waitRestore(api, id);
    expect(done, (await restoreLog(api, id)).join('\n')).toMatchObject({ state: 'succeeded', failed: 0, removed: 0 });
    const files = [...state1.values()].filter((e) => e.type === 'file');
    expect(done.filesTotal).toBe(files.length);
    expect(done.restored).toBe(files.length);
    expect(done.bytesTotal).toBe(files.reduce((sum, e) => sum + (e.size ?? 0), 0));
    const expected = new Map(state1);
    for (const [path, value] of state2) if (!state1.has(path)) expected.set(path, value);
    // Folders that gained entries after snapshot 1 keep the restored (snapshot 1) time.
    expect(diffDisk(expected, await readDisk(shareDir))).toEqual([]);
    const row = (await api.call('GET', `/restores/${id}`)).json;
    expect(row).toMatchObject({ clientId: source.clientId, seq: 1, paths: [], destination: null, policy: 'overwrite', mirror: false, requestedBy: expect.stringMatching(/^user:/) });
    expect(new Date(row.startedAt).getTime()).toBeLessThanOrEqual(new Date(row.finishedAt).getTime());
  });

  it('restores snapshot 1 with overwrite + mirror: the share equals snapshot 1, every removal logged', async () => {
    const id = await startRestore(api, { clientId: source.clientId, seq: 1, policy: 'overwrite', mirror: true, confirmMirror: true, verifyReadBack: true });
    const done = await waitRestore(api, id);
    const log = await restoreLog(api, id);
    expect(done, log.join('\n')).toMatchObject({ state: 'succeeded', failed: 0 });
    expect(diffDisk(state1, await readDisk(shareDir))).toEqual([]);
    // added.txt, added-dir (its sub folder and x.txt), nested/a/added-inside.txt
    expect(done.removed).toBe(5);
    for (const path of ['added.txt', 'added-dir/sub/x.txt', 'added-dir/sub', 'added-dir', 'nested/a/added-inside.txt']) {
      expect(log.some((line) => line.startsWith('mirror: removed') && line.includes(` ${path} `)), path).toBe(true);
    }
    const list = await api.call('GET', `/restores?clientId=${source.clientId}&limit=2`);
    expect(list.json.total).toBe(3);
    expect(list.json.items.map((r: { id: string }) => r.id)[0]).toBe(id);
  });

  it('restores a folder to another client\'s share under another path, then skip-existing, rename and if-different', async () => {
    const destination = { clientId: other.clientId, shareId: other.shareId, path: 'restored/here' };
    const first = await waitRestore(api, await startRestore(api, { clientId: source.clientId, seq: 1, paths: ['docs/nested'], destination, policy: 'overwrite' }));
    const nested = subtree(state1, 'nested');
    const nestedFiles = [...nested.values()].filter((e) => e.type === 'file').length;
    expect(first).toMatchObject({ state: 'succeeded', restored: nestedFiles, failed: 0 });
    const target = join(otherDir, 'restored/here/nested');
    // The destination's own folders (restored/, here/) are not in the snapshot: only nested/ is compared.
    expect(diffDisk(nested, await readDisk(target))).toEqual([]);

    // Someone edits one restored file and touches another's time.
    await writeFile(join(target, 'keep.txt'), 'edited at the destination\n');
    await utimes(join(target, 'a/one.txt'), new Date(Date.UTC(2030, 0, 1)), new Date(Date.UTC(2030, 0, 1)));
    const edited = await readDisk(target);

    const skip = await waitRestore(api, await startRestore(api, { clientId: source.clientId, seq: 1, paths: ['docs/nested'], destination, policy: 'skip-existing' }));
    expect(skip).toMatchObject({ state: 'succeeded', restored: 0, skipped: nestedFiles, renamed: 0, bytes: 0 });
    expect(diffDisk(edited, await readDisk(target), { ignoreDirTimes: true })).toEqual([]);

    const renamed = await startRestore(api, { clientId: source.clientId, seq: 1, paths: ['docs/nested'], destination, policy: 'rename' });
    const rename = await waitRestore(api, renamed);
    expect(rename).toMatchObject({ state: 'succeeded', restored: 0, renamed: 2, skipped: nestedFiles - 2 });
    const afterRename = await readDisk(target);
    const copies = [...afterRename.keys()].filter((p) => p.includes('.restored-')).sort();
    expect(copies).toHaveLength(2);
    expect(copies[0]).toMatch(/^a\/one\.restored-\d{8}T\d{6}Z\.txt$/);
    expect(copies[1]).toMatch(/^keep\.restored-\d{8}T\d{6}Z\.txt$/);
    // Both kept: the edited originals untouched, the copies equal to snapshot 1.
    expect(afterRename.get('keep.txt')).toEqual(edited.get('keep.txt'));
    expect({ ...afterRename.get(copies[1]!)!, mtimeMs: 0 }).toEqual({ ...nested.get('keep.txt')!, mtimeMs: 0 });
    expect(Math.abs(afterRename.get(copies[1]!)!.mtimeMs - nested.get('keep.txt')!.mtimeMs)).toBeLessThanOrEqual(1);
    for (const copy of copies) await unlink(join(target, copy));

    const different = await waitRestore(api, await startRestore(api, { clientId: source.clientId, seq: 1, paths: ['docs/nested'], destination, policy: 'if-different' }));
    expect(different).toMatchObject({ state: 'succeeded', restored: 2, skipped: nestedFiles - 2, failed: 0 });
    expect(diffDisk(nested, await readDisk(target))).toEqual([]);
    expect((await readdir(join(otherDir, 'restored/here'))).sort()).toEqual(['nested']);
  });

  it('relays the restore\'s progress, log and state over the events stream', async () => {
    const sse = new AbortController();
    const events: { type: string; restoreId?: string; [key: string]: unknown }[] = [];
    const response = await api.raw('/events', { signal: sse.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const reading = (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop()!;
        for (const block of blocks) {
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)));
        }
      }
    })();
    try {
      const id = await startRestore(api, { clientId: source.clientId, seq: 1, paths: ['docs/big.bin', 'docs/many'], destination: { clientId: other.clientId, shareId: other.shareId, path: 'live' }, policy: 'overwrite' });
      const done = await waitRestore(api, id);
      const deadline = Date.now() + 10_000;
      while (!events.some((e) => e.restoreId === id && e.type === 'restore.state' && e.state === 'succeeded') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const mine = events.filter((e) => e.restoreId === id);
      expect(mine.filter((e) => e.type === 'restore.state').map((e) => e.state)).toEqual(['running', 'succeeded']);
      const progress = mine.filter((e) => e.type === 'restore.progress');
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)).toMatchObject({ clientId: source.clientId, filesDone: 41, filesTotal: 41, bytesDone: done.bytesTotal, bytesTotal: done.bytesTotal, etaSeconds: 0 });
      expect(progress.at(-1)!.bytesPerSecond).toBeGreaterThan(0);
      expect(mine.some((e) => e.type === 'restore.log' && String(e.message).startsWith('restore succeeded'))).toBe(true);
    } finally {
      sse.abort();
      await reading;
    }
  });

  it('fails at once with the reason when the destination logon is refused', async () => {
    const share = await api.call('POST', `/clients/${other.clientId}/shares`, { name: 'wrong', url: `smb://127.0.0.1:${samba.port}/other`, username: 'rita', password: 'not-her-password' });
    expect(share.status).toBe(201);
    const started = Date.now();
    const done = await waitRestore(api, await startRestore(api, { clientId: source.clientId, seq: 1, paths: ['docs/top.txt'], destination: { clientId: other.clientId, shareId: share.json.id, path: '' }, policy: 'overwrite' }));
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/logon as rita refused \[STATUS_LOGON_FAILURE\]/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
