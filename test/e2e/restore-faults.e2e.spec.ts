import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../harness/api-client.js';
import { type SambaServer, startSamba } from '../harness/samba.js';
import { type RunningService, type Stack, startService, startStack } from '../harness/services.js';
import { backup, createClientWithShare, diffDisk, type DiskState, login, readDisk, restoreLog, startRestore, waitRestore } from './restore.fixture.js';

/** Every path under a root with its inode: a file rewritten through temp + rename gets a new one. */
async function inodes(root: string, rel = '', out = new Map<string, number>()): Promise<Map<string, number>> {
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await inodes(root, path, out);
    else out.set(path, (await stat(join(root, path))).ino);
  }
  return out;
}

const temporaries = (paths: Iterable<string>) => [...paths].filter((p) => p.split('/').some((name) => name.startsWith('.bt-restore-')));

/**
 * Faults during a restore: the copy worker SIGKILLed, the smbd serving the restore killed, a
 * cancel, and a pool file rotten on disk. Each ends with the destination walked and compared.
 */
describe('restore under faults (real processes, smbd, Postgres, Redis)', () => {
  let work: string;
  let shareDir: string;
  let destDir: string;
  let samba: SambaServer & { processIds(): Promise<number[]> };
  let stack: Stack;
  let api: ApiClient;
  let source: { clientId: string; shareId: string };
  let dest: { clientId: string; shareId: string };
  let state1: DiskState;
  const workers: RunningService[] = [];
  let round = 0;

  const startWorker = async () => {
    const worker = await startService('copy-worker', stack.env, 'COPY_WORKER_PORT');
    workers.push(worker);
    return worker;
  };
  /** A fresh folder of the destination share for each restore. */
  const destination = () => ({ clientId: dest.clientId, shareId: dest.shareId, path: `round-${++round}` });
  const restoredDir = () => join(destDir, `round-${round}`, 'docs');
  /** Waits until some files of the restore are in place under their real names. */
  async function someFilesInPlace(min: number): Promise<Map<string, number>> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = await inodes(restoredDir()).catch(() => new Map<string, number>());
      const real = new Map([...found].filter(([p]) => temporaries([p]).length === 0));
      if (real.size >= min) return real;
      if (Date.now() > deadline) throw new Error(`fewer than ${min} files restored after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bt-restore-faults-'));
    shareDir = join(work, 'share');
    destDir = join(work, 'dest');
    await mkdir(destDir, { recursive: true });
    for (let d = 0; d < 20; d++) {
      await mkdir(join(shareDir, `d${String(d).padStart(2, '0')}`), { recursive: true });
      for (let f = 0; f < 40; f++) await writeFile(join(shareDir, `d${String(d).padStart(2, '0')}`, `f${f}.bin`), randomBytes(4096));
    }
    // Large files last in path order ("z"), so a restore is still busy with them when a fault hits.
    await mkdir(join(shareDir, 'z-big'));
    for (let i = 0; i < 4; i++) await writeFile(join(shareDir, 'z-big', `big-${i}.bin`), randomBytes(48 * 1024 * 1024));
    samba = await startSamba();
    await samba.addUser('rita', 'Rita-pass-12');
    await samba.addShare('docs', shareDir);
    await samba.addShare('dest', destDir);
    // FILES_IN_FLIGHT 2 and one job at a time: slow enough to interrupt on a fast machine.
    stack = await startStack({ services: ['api'], env: { STORE_ROOT: join(work, 'store'), JOB_LOCK_SECONDS: '3', COPY_WORKER_CONCURRENCY: '1', FILES_IN_FLIGHT: '2' } });
    await startWorker();
    api = new ApiClient(stack.apiUrl);
    await login(api, stack.adminEmail, stack.adminPassword);
    source = await createClientWithShare(api, 'ws-faulty', `smb://127.0.0.1:${samba.port}/docs`, 'rita', 'Rita-pass-12');
    dest = await createClientWithShare(api, 'ws-dest', `smb://127.0.0.1:${samba.port}/dest`, 'rita', 'Rita-pass-12');
    state1 = await readDisk(shareDir);
    expect((await backup(api, source.clientId)).seq).toBe(1);
  }, 600_000);

  afterAll(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await stack?.stop();
    await samba?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('continues after the copy worker is SIGKILLed: done files are not rewritten, no temporary file is left', async () => {
    const id = await startRestore(api, { clientId: source.clientId, seq: 1, destination: destination(), policy: 'overwrite' });
    const before = await someFilesInPlace(200);
    const killed = workers.shift()!;
    await killed.stop('SIGKILL');
    expect(killed.process.signalCode).toBe('SIGKILL');
    expect((await api.call('GET', `/restores/${id}`)).json.state).toBe('running');

    await startWorker();
    const done = await waitRestore(api, id);
    expect(done, (await restoreLog(api, id)).join('\n')).toMatchObject({ state: 'succeeded', failed: 0 });
    expect(diffDisk(state1, await readDisk(restoredDir()), { ignoreDirTimes: false })).toEqual([]);
    const after = await inodes(join(destDir, `round-${round}`));
    expect(temporaries(after.keys())).toEqual([]);
    const rewritten = [...before].filter(([path, ino]) => after.get(`docs/${path}`) !== ino);
    expect(rewritten, 'files in place before the crash were written again').toEqual([]);
    expect(await restoreLog(api, id)).toContainEqual(expect.stringMatching(/attempt .*; files already in place are kept/));
  });

  it('continues after the smbd serving it dies mid-restore: result byte-identical, nothing rewritten, no temporary file', async () => {
    const id = await startRestore(api, { clientId: source.clientId, seq: 1, destination: destination(), policy: 'overwrite' });
    const before = await someFilesInPlace(200);
    const parent = samba.pid;
    const children = (await samba.processIds()).filter((pid) => pid !== parent);
    expect(children.length).toBeGreaterThan(0);
    for (const pid of children) process.kill(pid, 'SIGKILL');

    const done = await waitRestore(api, id);
    const log = await restoreLog(api, id);
    expect(done, log.join('\n')).toMatchObject({ state: 'succeeded', failed: 0 });
    expect(log).toContainEqual(expect.stringMatching(/^attempt 1 failed: .*; retrying$/));
    expect(diffDisk(state1, await readDisk(restoredDir()))).toEqual([]);
    const after = await inodes(join(destDir, `round-${round}`));
    expect(temporaries(after.keys())).toEqual([]);
    expect([...before].filter(([path, ino]) => after.get(`docs/${path}`) !== ino)).toEqual([]);
  });

  it('stops within 5 s when cancelled and leaves no temporary or truncated file', async () => {
    const id = await startRestore(api, { clientId: source.clientId, seq: 1, destination: destination(), policy: 'overwrite' });
    await someFilesInPlace(50);
    const asked = Date.now();
    const cancel = await api.call('POST', `/restores/${id}/cancel`);
    expect(cancel.status).toBe(200);
    const done = await waitRestore(api, id);
    expect(done.state).toBe('cancelled');
    expect(Date.now() - asked).toBeLessThan(5_000);
    // The worker has let go of the destination: whatever is there now stays.
    const left = await readDisk(join(destDir, `round-${round}`));
    expect(temporaries(left.keys())).toEqual([]);
    for (const [path, entry] of left) {
      if (entry.type !== 'file') continue;
      expect(entry, `${path} is complete`).toEqual({ ...state1.get(path.replace(/^docs\//, ''))!, mtimeMs: entry.mtimeMs });
    }
    expect(left.size).toBeLessThan(state1.size);
    expect(await restoreLog(api, id)).toContainEqual(expect.stringMatching(/^restore cancelled/));
    const again = await api.call('POST', `/restores/${id}/cancel`);
    expect(again.json.state).toBe('cancelled');
  });

  it('never restores into a client while it is backed up, nor backs it up while a restore writes into it: the second job waits', async () => {
    const backupRun = (await api.call('POST', `/clients/${dest.clientId}/backups`, {})).json.runId as string;
    const runState = async () => (await api.call('GET', `/runs/${backupRun}`)).json;
    while ((await runState()).state === 'queued') await new Promise((resolve) => setTimeout(resolve, 20));
    const id = await startRestore(api, { clientId: source.clientId, seq: 1, paths: ['docs/d00'], destination: destination(), policy: 'overwrite' });
    expect((await runState()).state, 'the backup of the destination is still running').toBe('running');
    for (let run = await runState(); run.state === 'running'; run = await runState()) {
      expect((await api.call('GET', `/restores/${id}`)).json.state).toBe('queued');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const restore = await waitRestore(api, id);
    expect(restore.state).toBe('succeeded');
    const backupDone = await runState();
    expect(backupDone.state).toBe('succeeded');
    expect(new Date((await api.call('GET', `/restores/${id}`)).json.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(backupDone.finishedAt).getTime());

    const second = await startRestore(api, { clientId: source.clientId, seq: 1, destination: destination(), policy: 'overwrite' });
    await someFilesInPlace(100);
    const waiting = (await api.call('POST', `/clients/${dest.clientId}/backups`, {})).json.runId as string;
    for (let row = await waitRestore(api, second, () => true); row.state === 'running'; row = await waitRestore(api, second, () => true)) {
      expect((await api.call('GET', `/runs/${waiting}`)).json.state).toBe('queued');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const restored = (await api.call('GET', `/restores/${second}`)).json;
    expect(restored.state).toBe('succeeded');
    const deadline = Date.now() + 120_000;
    let run = await api.call('GET', `/runs/${waiting}`);
    while (!['succeeded', 'partial', 'failed'].includes(run.json.state) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = await api.call('GET', `/runs/${waiting}`);
    }
    expect(run.json.state).toBe('succeeded');
    expect(new Date(run.json.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(restored.finishedAt).getTime());
  });

  it('fails a file whose pool copy is rotten with a hash-mismatch line, restores the rest, ends partial; the next backup heals the pool', async () => {
    const victim = 'd03/f7.bin';
    const content = await readFile(join(shareDir, victim));
    const sha = createHash('sha256').update(content).digest('hex');
    const poolFile = join(work, 'store', 'pool', sha.slice(0, 2), sha.slice(2, 4), sha);
    await chmod(poolFile, 0o644);
    await writeFile(poolFile, randomBytes(content.length));

    const id = await startRestore(api, { clientId: source.clientId, seq: 1, paths: ['docs/d03', 'docs/d04'], destination: destination(), policy: 'overwrite' });
    const done = await waitRestore(api, id);
    const log = await restoreLog(api, id);
    expect(done).toMatchObject({ state: 'partial', failed: 1, restored: 79 });
    expect(log).toContainEqual(expect.stringMatching(new RegExp(`^docs/${victim}: hash mismatch: .* the manifest says ${sha} .*quarantined`)));
    const restored = await readDisk(join(destDir, `round-${round}`));
    expect(restored.has(`d03/f7.bin`)).toBe(false);
    expect(restored.size).toBe(2 + 79);
    expect(temporaries(restored.keys())).toEqual([]);
    await expect(stat(poolFile)).rejects.toMatchObject({ code: 'ENOENT' });

    expect((await backup(api, source.clientId)).seq).toBe(2);
    expect(createHash('sha256').update(await readFile(poolFile)).digest('hex')).toBe(sha);
    const healed = await waitRestore(api, await startRestore(api, { clientId: source.clientId, seq: 2, paths: [`docs/${victim}`], destination: destination(), policy: 'overwrite' }));
    expect(healed).toMatchObject({ state: 'succeeded', restored: 1 });
    expect(await readFile(join(destDir, `round-${round}`, 'f7.bin'))).toEqual(content);
  });
});
