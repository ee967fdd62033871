import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsck, HardlinkStore, restoreSnapshot } from '@backtrac/store';
import { BackupDriver } from '../harness/backups.js';
import { type SambaServer, startSamba } from '../harness/samba.js';
import { type RunningService, type Stack, startService, startStack } from '../harness/services.js';
import { compareTrees, readTree, type TreeState } from '../harness/trees.js';

/**
 * A copy worker killed with SIGKILL in the middle of a backup, and one stopped with SIGTERM:
 * the previous snapshot stays intact, another worker finishes the job, and fsck finds nothing.
 */
describe('copy worker crash and shutdown (real processes, smbd, Postgres, Redis)', () => {
  let work: string;
  let shareDir: string;
  let samba: SambaServer;
  let stack: Stack;
  let driver: BackupDriver;
  let clientId: string;
  let store: HardlinkStore;
  const workers: RunningService[] = [];

  const startWorker = async () => {
    const worker = await startService('copy-worker', stack.env, 'COPY_WORKER_PORT');
    workers.push(worker);
    return worker;
  };

  /** New content big enough (4 × 96 MiB) that a backup of it is still running when a signal arrives. */
  async function changeBigFiles(): Promise<void> {
    for (let i = 0; i < 4; i++) await writeFile(join(shareDir, `big-${i}.bin`), randomBytes(96 * 1024 * 1024));
  }

  async function restored(seq: number): Promise<TreeState> {
    const target = join(work, `restore-${seq}-${randomBytes(3).toString('hex')}`);
    await restoreSnapshot(store, clientId, seq, target, { path: 'docs' });
    return readTree(join(target, 'docs'));
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bt-crash-e2e-'));
    shareDir = join(work, 'share');
    for (let d = 0; d < 30; d++) {
      await mkdir(join(shareDir, `d${d}`), { recursive: true });
      for (let f = 0; f < 40; f++) await writeFile(join(shareDir, `d${d}`, `f${f}.bin`), randomBytes(4096));
    }
    await writeFile(join(shareDir, 'big.bin'), randomBytes(96 * 1024 * 1024));
    samba = await startSamba();
    await samba.addUser('bob', 'Bob-pass-12');
    await samba.addShare('docs', shareDir);
    stack = await startStack({ services: ['api'], env: { STORE_ROOT: join(work, 'store'), JOB_LOCK_SECONDS: '3', COPY_WORKER_CONCURRENCY: '1', FILES_IN_FLIGHT: '4' } });
    driver = await new BackupDriver(stack.env).connect();
    const [client] = await driver.query<{ id: string }>(`INSERT INTO clients (name, hostname) VALUES ('crashy', 'crashy') RETURNING id`);
    clientId = client!.id;
    const login = await fetch(`${stack.apiUrl}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: stack.adminEmail, password: stack.adminPassword }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const share = await fetch(`${stack.apiUrl}/api/clients/${clientId}/shares`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ name: 'docs', url: `smb://127.0.0.1:${samba.port}/docs`, username: 'bob', password: 'Bob-pass-12' }),
    });
    expect(share.status).toBe(201);
  }, 240_000);

  afterAll(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await driver?.close();
    await stack?.stop();
    await samba?.stop();
    await rm(work, { recursive: true, force: true });
  });

  let state1: TreeState;

  it('completes a first backup', async () => {
    await startWorker();
    store = await HardlinkStore.open(join(work, 'store'));
    const run = await driver.waitFinished(await driver.enqueue(clientId));
    expect(run).toMatchObject({ state: 'succeeded', seq: 1 });
    state1 = await readTree(shareDir);
    expect(compareTrees(state1, await restored(1))).toEqual([]);
  });

  it('survives SIGKILL during reads: snapshot 1 intact, another worker finishes, fsck clean', async () => {
    await changeBigFiles();
    await writeFile(join(shareDir, 'd0', 'new.txt'), 'new after the first backup');
    const runId = await driver.enqueue(clientId);
    await driver.waitFor(runId, (run) => run.state === 'running');
    const killed = workers.shift()!;
    await killed.stop('SIGKILL');
    expect(killed.process.signalCode).toBe('SIGKILL');
    // The process died in the middle of the run: nothing recorded it as finished.
    expect((await driver.run(runId)).state).toBe('running');

    expect(compareTrees(state1, await restored(1)), 'snapshot 1 after the crash').toEqual([]);
    await startWorker();
    const run = await driver.waitFinished(runId);
    expect(run).toMatchObject({ state: 'succeeded', seq: 2 });
    expect(compareTrees(await readTree(shareDir), await restored(2))).toEqual([]);
    const report = await fsck(store);
    expect(report.issues).toEqual([]);
    const [{ n }] = await driver.query<{ n: number }>('SELECT count(*)::int AS n FROM snapshots WHERE client_id = $1', [clientId]);
    expect(n).toBe(2);
  });

  it('hands a running backup to another worker on SIGTERM', async () => {
    await changeBigFiles();
    const runId = await driver.enqueue(clientId);
    await driver.waitFor(runId, (run) => run.state === 'running');
    const stopping = workers.shift()!;
    await stopping.stop('SIGTERM');
    // Nest re-raises the signal once its shutdown hooks have run; not killed by the harness's SIGKILL.
    expect(stopping.process.signalCode ?? stopping.process.exitCode).toBe('SIGTERM');
    const log = await driver.query<{ message: string }>('SELECT message FROM run_log_lines WHERE run_id = $1 ORDER BY id', [runId]);
    expect(log.map((l) => l.message).join('\n')).toMatch(/interrupted: this worker is stopping/);
    expect((await driver.run(runId)).state).toBe('queued');

    await startWorker();
    const run = await driver.waitFinished(runId);
    expect(run).toMatchObject({ state: 'succeeded', seq: 3 });
    expect(compareTrees(await readTree(shareDir), await restored(3))).toEqual([]);
    expect((await fsck(store)).issues).toEqual([]);
  });
});
