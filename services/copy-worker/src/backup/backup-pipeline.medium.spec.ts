import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupRun, ClientRepository, BackupRunRepository, ShareRepository } from '@backtrac/catalog';
import { loadConfig } from '@backtrac/config';
import { BackupJobProducer, backupJobId, type BackupJobPayload, FailureCode, QueueName, readJobFailure } from '@backtrac/queue';
import { HardlinkStore, restoreSnapshot } from '@backtrac/store';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { createTestRedis, type TestRedis } from '../../../../test/harness/redis.js';
import { type SambaServer, startSamba } from '../../../../test/harness/samba.js';
import { compareTrees, readTree, type TreeState } from '../../../../test/harness/trees.js';
import { CopyWorkerModule } from '../copy-worker.module.js';
import { MaintenanceService } from '../maintenance/maintenance.service.js';
import { BackupRunService } from './backup-run.service.js';

/** A tree with nested directories, Unicode names, empty files, duplicates and one larger file. */
async function generateShare(root: string): Promise<void> {
  const names = ['Résumé.txt', 'ｆｕｌｌｗｉｄｔｈ.txt', '日本語のファイル.md', 'emoji-🎉.txt', 'naïve café.doc', 'spaces and (brackets).txt'];
  for (let d = 0; d < 12; d++) {
    const dir = join(root, `dir-${d}`, d % 3 === 0 ? 'nested/deeper' : 'sub');
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < 25; f++) await writeFile(join(dir, `file-${f}.bin`), randomBytes(100 + ((d * 31 + f * 17) % 4000)));
    await writeFile(join(dir, names[d % names.length]!), `unicode ${d}\n`);
    await writeFile(join(dir, 'empty.txt'), '');
    await writeFile(join(dir, 'same-content.txt'), 'this content appears in every directory\n');
  }
  await writeFile(join(root, 'large.bin'), randomBytes(24 * 1024 * 1024));
  const old = new Date('2019-04-05T06:07:08.123Z');
  await utimes(join(root, 'dir-0', 'nested', 'deeper', 'file-0.bin'), old, old);
}

describe('backup pipeline: BullMQ job → SMB share → hardlink store → catalog (real smbd, Postgres, Redis)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let samba: SambaServer;
  let workDir: string;
  let storeRoot: string;
  let shareDir: string;
  const apps: INestApplicationContext[] = [];
  let queue: Queue<BackupJobPayload>;
  let producer: BackupJobProducer;
  let store: HardlinkStore;
  const secretKey = randomBytes(32).toString('hex');

  async function startWorker(): Promise<INestApplicationContext> {
    const config = loadConfig('copy-worker', {
      DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, STORE_ROOT: storeRoot, SECRET_KEY: secretKey,
      LOG_LEVEL: 'warn', COPY_WORKER_CONCURRENCY: '1', FILES_IN_FLIGHT: '8', FILE_SHARE_ROOTS: join(workDir, 'copy'),
    });
    const app = await NestFactory.createApplicationContext(CopyWorkerModule.forRoot(config), { logger: ['error'], abortOnError: false });
    await app.init();
    apps.push(app);
    return app;
  }

  async function addClient(name: string, shares: Array<{ name: string; url: string; username?: string; password?: string; excludes?: string[] }>): Promise<string> {
    const client = await apps[0]!.get(ClientRepository).create({ name, hostname: name });
    for (const share of shares) await apps[0]!.get(ShareRepository).createForClient(client.id, share);
    return client.id;
  }

  let slotCounter = 0;
  async function backUp(clientId: string, full = false): Promise<BackupRun> {
    const slot = new Date(Date.UTC(2030, 0, 1, 0, 0, slotCounter++));
    const jobId = backupJobId(clientId, slot);
    const run = await apps[0]!.get(BackupRunRepository).ensure({ jobId, clientId, kind: full ? 'full' : 'incremental', trigger: 'manual' });
    await producer.enqueue({ clientId, runId: run.id, trigger: 'manual', slot: slot.toISOString(), full });
    return waitForRun(run.id);
  }

  async function waitForRun(runId: string): Promise<BackupRun> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const run = await apps[0]!.get(BackupRunRepository).findById(runId);
      if (run && ['succeeded', 'partial', 'failed'].includes(run.state)) return run;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`run ${runId} did not finish`);
  }

  async function restored(clientId: string, seq: number, subtree: string): Promise<TreeState> {
    const target = join(workDir, `restore-${clientId}-${seq}`);
    await rm(target, { recursive: true, force: true });
    await restoreSnapshot(store, clientId, seq, target, { path: subtree });
    return readTree(join(target, subtree));
  }

  const countVersions = async (clientId: string): Promise<number> =>
    Number((await db.dataSource.query('SELECT count(*)::int AS n FROM file_versions WHERE client_id = $1', [clientId]))[0].n);

  /** Entries the catalog says are present in a snapshot, as "parent/name" strings. */
  const presentIn = async (clientId: string, seq: number): Promise<string[]> =>
    (
      await db.dataSource.query(
        `SELECT parent, name FROM file_versions WHERE client_id = $1 AND first_seq <= $2 AND (last_seq IS NULL OR last_seq > $2) ORDER BY parent, name`,
        [clientId, seq],
      )
    ).map((row: { parent: string; name: string }) => (row.parent ? `${row.parent}/${row.name}` : row.name));

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = createTestRedis();
    workDir = join(tmpdir(), `bt-pipeline-${randomBytes(4).toString('hex')}`);
    storeRoot = join(workDir, 'store');
    shareDir = join(workDir, 'share');
    await mkdir(shareDir, { recursive: true });
    await generateShare(shareDir);
    samba = await startSamba();
    await samba.addUser('alice', 'Alice-pass-1');
    await samba.addShare('docs', shareDir);
    await startWorker();
    store = await HardlinkStore.open(storeRoot);
    queue = new Queue(QueueName.Backup, { connection: { url: redis.url }, prefix: redis.prefix });
    // Production's job options, with retries 100 ms apart instead of 30 s.
    producer = new BackupJobProducer(queue, 100);
  }, 180_000);

  afterAll(async () => {
    await queue?.close();
    for (const app of apps) await app.close();
    await samba?.stop();
    await db?.drop();
    await redis?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  let clientId: string;
  let firstState: TreeState;

  it('backs up a share in full, restores byte-identical with mtimes, and catalogues every entry', async () => {
    clientId = await addClient('ws-smb', [{ name: 'docs', url: `smb://127.0.0.1:${samba.port}/docs`, username: 'alice', password: 'Alice-pass-1' }]);
    const run = await backUp(clientId, true);
    expect(run.error).toBeNull();
    expect(run.state).toBe('succeeded');
    expect(run.seq).toBe(1);
    firstState = await readTree(shareDir);
    const files = [...firstState.values()].filter((v) => v !== 'dir').length;
    expect(run.filesNew).toBe(files);
    expect(Number(run.bytesRead)).toBeGreaterThan(24 * 1024 * 1024);
    expect(compareTrees(firstState, await restored(clientId, 1, 'docs'))).toEqual([]);
    // every entry plus the share's own directory
    expect(await countVersions(clientId)).toBe(firstState.size + 1);
    const [snapshot] = await db.dataSource.query('SELECT seq, partial, file_count FROM snapshots WHERE client_id = $1', [clientId]);
    expect(snapshot).toMatchObject({ seq: 1, partial: false, file_count: files });
    const log = await db.dataSource.query('SELECT message FROM run_log_lines WHERE run_id = $1 ORDER BY id', [run.id]);
    expect(log.map((l: { message: string }) => l.message).join('\n')).toMatch(/snapshot 1 succeeded/);
  });

  it('reads no file bytes and adds no file-version rows when nothing changed', async () => {
    const before = await countVersions(clientId);
    const run = await backUp(clientId);
    expect(run.state).toBe('succeeded');
    expect(run.seq).toBe(2);
    expect(Number(run.bytesRead)).toBe(0);
    expect(run.filesNew + run.filesChanged).toBe(0);
    expect(await countVersions(clientId)).toBe(before);
    expect(compareTrees(firstState, await restored(clientId, 2, 'docs'))).toEqual([]);
  });

  it('records edits, renames and deletes as new intervals while older snapshots stay intact', async () => {
    await writeFile(join(shareDir, 'dir-1', 'sub', 'file-1.bin'), 'edited content');
    await rename(join(shareDir, 'dir-2', 'sub', 'file-2.bin'), join(shareDir, 'dir-2', 'sub', 'renamed.bin'));
    await rm(join(shareDir, 'dir-3'), { recursive: true });
    await writeFile(join(shareDir, 'new file.txt'), 'brand new');
    const run = await backUp(clientId);
    expect(run.state).toBe('succeeded');
    expect(run.seq).toBe(3);
    expect(run.filesChanged).toBe(1);
    expect(run.filesNew).toBe(2);
    expect(run.filesDeleted).toBeGreaterThanOrEqual(28);
    const now = await readTree(shareDir);
    expect(compareTrees(now, await restored(clientId, 3, 'docs'))).toEqual([]);
    expect(compareTrees(firstState, await restored(clientId, 1, 'docs'))).toEqual([]);

    const inTwo = await presentIn(clientId, 2);
    const inThree = await presentIn(clientId, 3);
    expect(inTwo).toContain('docs/dir-2/sub/file-2.bin');
    expect(inThree).not.toContain('docs/dir-2/sub/file-2.bin');
    expect(inThree).toContain('docs/dir-2/sub/renamed.bin');
    expect(inThree.some((p) => p.startsWith('docs/dir-3'))).toBe(false);
    expect(inThree).toContain('docs/new file.txt');
    const history = await db.dataSource.query(
      `SELECT first_seq, last_seq FROM file_versions WHERE client_id = $1 AND parent = 'docs/dir-1/sub' AND name = 'file-1.bin' ORDER BY first_seq`,
      [clientId],
    );
    expect(history).toEqual([{ first_seq: 1, last_seq: 3 }, { first_seq: 3, last_seq: null }]);
  });

  it('catalogues a snapshot the store finished but the catalog missed (crash between the two), without backing up again', async () => {
    const [last] = await db.dataSource.query('SELECT seq, run_id FROM snapshots WHERE client_id = $1 ORDER BY seq DESC LIMIT 1', [clientId]);
    const before = await presentIn(clientId, last.seq);
    const run = (await apps[0]!.get(BackupRunRepository).findById(last.run_id))!;
    // What a crash right after the store's commit leaves: no snapshot row, the run still running.
    await db.dataSource.query('DELETE FROM snapshots WHERE client_id = $1 AND seq = $2', [clientId, last.seq]);
    await db.dataSource.query('DELETE FROM file_versions WHERE client_id = $1 AND first_seq = $2', [clientId, last.seq]);
    await db.dataSource.query('UPDATE file_versions SET last_seq = NULL WHERE client_id = $1 AND last_seq = $2', [clientId, last.seq]);
    await db.dataSource.query(`UPDATE backup_runs SET state = 'running', finished_at = NULL WHERE id = $1`, [run.id]);
    await apps[0]!.get(BackupRunService).run({
      jobId: run.jobId, payload: { clientId, runId: run.id, trigger: 'manual', slot: run.queuedAt.toISOString(), full: false },
      attempt: 2, maxAttempts: 4, signal: new AbortController().signal, reportProgress: () => undefined,
    });
    const after = (await apps[0]!.get(BackupRunRepository).findById(run.id))!;
    expect(after).toMatchObject({ state: 'succeeded', seq: last.seq, bytesRead: run.bytesRead });
    expect(await presentIn(clientId, last.seq)).toEqual(before);
    expect((await store.listSnapshots(clientId)).map((s) => s.seq)).toEqual([1, 2, 3]);
  });

  it('stores identical content from another client and another path once', async () => {
    const copyDir = join(workDir, 'copy');
    await mkdir(copyDir, { recursive: true });
    await writeFile(join(copyDir, 'large-copy.bin'), await readFile(join(shareDir, 'large.bin')));
    const poolBefore = await poolStats(storeRoot);
    const other = await addClient('ws-local', [{ name: 'data', url: `file://${copyDir}` }]);
    const run = await backUp(other);
    expect(run.state).toBe('succeeded');
    // Asked for an incremental, but with no earlier snapshot the first backup reads everything.
    expect(run.kind).toBe('full');
    const [first] = await db.dataSource.query('SELECT message FROM run_log_lines WHERE run_id = $1 ORDER BY at, id LIMIT 1', [run.id]);
    expect(first.message).toBe('backup full of ws-local into snapshot 1 (attempt 1 of 4)');
    expect(Number(run.bytesStoredNew)).toBe(0);
    expect(await poolStats(storeRoot)).toEqual(poolBefore);
  });

  it('reads a file:// share only under FILE_SHARE_ROOTS, whatever the catalog or a symlink says', async () => {
    const outside = join(workDir, 'outside');
    await mkdir(outside, { recursive: true });
    await mkdir(join(workDir, 'copy'), { recursive: true });
    await writeFile(join(outside, 'server-secret.txt'), 'not client data');
    await symlink(outside, join(workDir, 'copy', 'escape'));
    for (const url of [`file://${outside}`, `file://${join(workDir, 'copy', 'escape')}`]) {
      const client = await addClient(`ws-outside-${slotCounter}`, [{ name: 'data', url }]);
      const run = await backUp(client);
      expect(run.state).toBe('failed');
      expect(run.error).toContain(`${outside} is not under a directory listed in FILE_SHARE_ROOTS (${join(workDir, 'copy')})`);
      expect(await store.listSnapshots(client)).toEqual([]);
    }
  });

  it('fails a run with a wrong share password, says so, and does not retry it', async () => {
    const bad = await addClient('ws-bad', [{ name: 'docs', url: `smb://127.0.0.1:${samba.port}/docs`, username: 'alice', password: 'wrong' }]);
    const run = await backUp(bad);
    expect(run.state).toBe('failed');
    expect(run.error).toMatch(/logon as alice refused \[STATUS_LOGON_FAILURE\]/);
    // A retried job would leave `active` for `delayed` (backoff 100 ms) rather than `failed`.
    let state = await queue.getJobState(run.jobId);
    for (let i = 0; i < 200 && state === 'active'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      state = await queue.getJobState(run.jobId);
    }
    expect(state).toBe('failed');
    const job = (await queue.getJob(run.jobId))!;
    expect(job.attemptsMade).toBe(1);
    // The failure travels on the job as data, for the scheduler and the alerts to read.
    expect(readJobFailure(job.failedReason)).toEqual({ code: FailureCode.Permanent, message: run.error });
    expect((await apps[0]!.get(BackupRunRepository).findById(run.id))!).toMatchObject({ attempts: 1, state: 'failed' });
  });

  it('rebuilds the catalog from the manifests alone', async () => {
    const versions = () =>
      db.dataSource.query('SELECT client_id, parent, name, type, size, mtime, mode, sha256, link_target, first_seq, last_seq FROM file_versions ORDER BY 1, 2, 3, 10');
    const snapshotRows = () => db.dataSource.query('SELECT client_id, seq, partial, file_count, total_bytes FROM snapshots ORDER BY 1, 2');
    const expectedVersions = await versions();
    const expectedSnapshots = await snapshotRows();
    expect(expectedVersions.length).toBeGreaterThan(300);
    await db.dataSource.query('DELETE FROM file_versions');
    await db.dataSource.query('DELETE FROM snapshots');
    const report = await apps[0]!.get(MaintenanceService).rebuildCatalog();
    expect(report).toMatchObject({ snapshots: expectedSnapshots.length, clientsCreated: 0 });
    expect(await versions()).toEqual(expectedVersions);
    expect(await snapshotRows()).toEqual(expectedSnapshots);
  });

  it('runs clients in parallel on two workers but never one client twice at once', async () => {
    await startWorker();
    const clients: string[] = [];
    for (let i = 0; i < 4; i++) {
      const dir = join(workDir, `parallel-${i}`);
      for (let d = 0; d < 20; d++) {
        await mkdir(join(dir, `d${d}`), { recursive: true });
        for (let f = 0; f < 20; f++) await writeFile(join(dir, `d${d}`, `f${f}`), randomBytes(2048));
      }
      clients.push(await addClient(`ws-par-${i}`, [{ name: 'data', url: `smb://127.0.0.1:${samba.port}/par${i}`, username: 'alice', password: 'Alice-pass-1' }]));
      await samba.addShare(`par${i}`, dir);
    }
    // Two jobs for the first client (different slots) plus one for each other client.
    const runs = await Promise.all([...clients, clients[0]!].map((id) => backUp(id)));
    expect(runs.map((r) => r.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const spans = runs.map((r) => ({ client: r.clientId, start: r.startedAt!.getTime(), end: r.finishedAt!.getTime() }));
    const overlaps = (a: (typeof spans)[0], b: (typeof spans)[0]) => a.start < b.end && b.start < a.end;
    const pairs = spans.flatMap((a, i) => spans.slice(i + 1).map((b) => [a, b] as const));
    expect(pairs.some(([a, b]) => a.client !== b.client && overlaps(a, b)), 'two workers ran backups at the same time').toBe(true);
    expect(pairs.filter(([a, b]) => a.client === b.client && overlaps(a, b))).toEqual([]);
  });
});

async function poolStats(storeRoot: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(join(storeRoot, 'pool'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}
