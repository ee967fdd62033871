import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupRun, ClientRepository, BackupRunRepository, ShareRepository, SnapshotExpiryRepository } from '@backtrac/catalog';
import { loadConfig } from '@backtrac/config';
import { BackupJobProducer, backupJobId, type BackupJobPayload, QueueName } from '@backtrac/queue';
import { fsck, HardlinkStore, restoreSnapshot } from '@backtrac/store';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { createTestRedis, type TestRedis } from '../../../../test/harness/redis.js';
import { compareTrees, readTree } from '../../../../test/harness/trees.js';
import { CopyWorkerModule } from '../copy-worker.module.js';
import { MaintenanceService } from './maintenance.service.js';
import { PruneService } from './prune.service.js';

describe('prune: retention carried out on the catalog and a real store (Postgres, Redis, filesystem)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let app: INestApplicationContext;
  let queue: Queue<BackupJobPayload>;
  let store: HardlinkStore;
  let workDir: string;
  let storeRoot: string;
  let slotCounter = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = createTestRedis();
    workDir = join(tmpdir(), `bt-prune-${randomBytes(4).toString('hex')}`);
    storeRoot = join(workDir, 'store');
    const config = loadConfig('copy-worker', {
      DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, STORE_ROOT: storeRoot, SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn', COPY_WORKER_CONCURRENCY: '1', FILES_IN_FLIGHT: '8', FILE_SHARE_ROOTS: workDir,
    });
    app = await NestFactory.createApplicationContext(CopyWorkerModule.forRoot(config), { logger: ['error'], abortOnError: false });
    await app.init();
    store = await HardlinkStore.open(storeRoot);
    queue = new Queue(QueueName.Backup, { connection: { url: redis.url }, prefix: redis.prefix });
  }, 120_000);

  afterAll(async () => {
    await queue?.close();
    await app?.close();
    await redis?.cleanup();
    await db?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  /** A client with a local share and a schedule using a keep-last-`keepLast` policy. */
  async function addClient(name: string, keepLast: number): Promise<{ id: string; shareDir: string }> {
    const shareDir = join(workDir, `share-${name}`);
    await mkdir(join(shareDir, 'docs'), { recursive: true });
    await writeFile(join(shareDir, 'docs', 'stable.txt'), 'present in every snapshot\n');
    const client = await app.get(ClientRepository).create({ name, hostname: name });
    await app.get(ShareRepository).createForClient(client.id, { name: 'data', url: pathToFileURL(shareDir).href });
    const [policy] = await db.dataSource.query(`INSERT INTO retention_policies (name, keep_last) VALUES ($1, $2) RETURNING id`, [`keep-${name}`, keepLast]);
    await db.dataSource.query(`INSERT INTO schedules (name, client_id, cron, retention_policy_id) VALUES ($1, $2, '0 3 * * *', $3)`, [`nightly-${name}`, client.id, policy.id]);
    return { id: client.id, shareDir };
  }

  /** Changes the share (one file replaced by unique content) and backs it up through the queue. */
  async function backUp(clientId: string, shareDir: string, generation: number): Promise<BackupRun> {
    await rm(join(shareDir, `gen-${generation - 1}.bin`), { force: true });
    await writeFile(join(shareDir, `gen-${generation}.bin`), randomBytes(64 * 1024));
    await writeFile(join(shareDir, 'docs', 'changing.txt'), `generation ${generation}\n`);
    const slot = new Date(Date.UTC(2030, 0, 1, 0, 0, slotCounter++));
    const jobId = backupJobId(clientId, slot);
    const run = await app.get(BackupRunRepository).ensure({ jobId, clientId, kind: 'incremental', trigger: 'manual' });
    await new BackupJobProducer(queue).enqueue({ clientId, runId: run.id, trigger: 'manual', slot: slot.toISOString(), full: false });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const current = await app.get(BackupRunRepository).findById(run.id);
      if (current && ['succeeded', 'partial', 'failed'].includes(current.state)) return current;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`run ${run.id} did not finish`);
  }

  const liveSeqs = async (clientId: string): Promise<number[]> =>
    (await db.dataSource.query('SELECT seq FROM snapshots WHERE client_id = $1 AND expired_at IS NULL ORDER BY seq', [clientId])).map((r: { seq: number }) => r.seq);
  const storeSeqs = async (clientId: string): Promise<number[]> => (await store.listSnapshots(clientId)).filter((s) => !s.partial).map((s) => s.seq);

  /** The catalog's view of a snapshot ("parent/name" of every entry) must equal the store's manifest. */
  async function expectCatalogMatchesStore(clientId: string): Promise<void> {
    const seqs = await liveSeqs(clientId);
    expect(await storeSeqs(clientId)).toEqual(seqs);
    for (const seq of seqs) {
      const catalog = (
        await db.dataSource.query(
          `SELECT parent, name, sha256 FROM file_versions WHERE client_id = $1 AND first_seq <= $2 AND (last_seq IS NULL OR last_seq > $2)`,
          [clientId, seq],
        )
      ).map((r: { parent: string; name: string; sha256: string | null }) => `${r.parent ? `${r.parent}/${r.name}` : r.name} ${r.sha256 ?? '-'}`);
      const manifest: string[] = [];
      for await (const e of store.readManifest(clientId, seq)) if (e.path !== '') manifest.push(`${e.path} ${e.type === 'file' ? e.sha256 : '-'}`);
      expect(catalog.sort(), `snapshot ${seq}`).toEqual(manifest.sort());
    }
    // No row survives that no unexpired snapshot shows.
    const [{ orphans }] = await db.dataSource.query(
      `SELECT count(*)::int AS orphans FROM file_versions f WHERE f.client_id = $1 AND NOT EXISTS (
         SELECT 1 FROM snapshots s WHERE s.client_id = f.client_id AND s.expired_at IS NULL AND s.seq >= f.first_seq AND (f.last_seq IS NULL OR s.seq < f.last_seq))`,
      [clientId],
    );
    expect(orphans).toBe(0);
  }

  it('keeps the configured snapshots and pinned ones, trashes the rest, drops their file versions, and gc frees the pool', async () => {
    const { id, shareDir } = await addClient('alpha', 2);
    for (let g = 1; g <= 6; g++) expect((await backUp(id, shareDir, g)).state).toBe('succeeded');
    await db.dataSource.query('UPDATE snapshots SET pinned = true WHERE client_id = $1 AND seq = 2', [id]);
    const rowsBefore = Number((await db.dataSource.query('SELECT count(*)::int AS n FROM file_versions WHERE client_id = $1', [id]))[0].n);

    const dry = await app.get(PruneService).prune({ clientId: id, dryRun: true });
    expect(dry.clients[0]).toMatchObject({ clientId: id, deleted: [1, 3, 4], kept: [2, 5, 6] });
    expect(await liveSeqs(id)).toEqual([1, 2, 3, 4, 5, 6]);

    const report = await app.get(PruneService).prune({ clientId: id });
    expect(report.clients[0]).toMatchObject({ deleted: [1, 3, 4], kept: [2, 5, 6], refused: [], resumed: [] });
    expect(report.clients[0]!.fileVersionsRemoved).toBeGreaterThan(0);
    expect(await liveSeqs(id)).toEqual([2, 5, 6]);
    const rowsAfter = Number((await db.dataSource.query('SELECT count(*)::int AS n FROM file_versions WHERE client_id = $1', [id]))[0].n);
    expect(rowsBefore - rowsAfter).toBe(report.clients[0]!.fileVersionsRemoved);
    await expectCatalogMatchesStore(id);

    // The pinned snapshot still restores byte for byte what generation 2 was.
    const target = join(workDir, 'restore-alpha-2');
    await restoreSnapshot(store, id, 2, target);
    const restored = await readTree(target);
    expect(restored.has('data/gen-2.bin')).toBe(true);
    expect(restored.has('data/gen-1.bin')).toBe(false);
    expect(restored.has('data/docs/stable.txt')).toBe(true);

    const gcReport = await app.get(MaintenanceService).gc();
    expect(gcReport.trashRemoved).toBe(3);
    // gen-1, gen-3, gen-4 (64 KiB each) and three old versions of changing.txt were held only by the pruned snapshots.
    expect(gcReport.poolFilesRemoved).toBe(6);
    expect(gcReport.bytesFreed).toBeGreaterThanOrEqual(3 * 64 * 1024);
    expect((await fsck(store)).ok).toBe(true);

    // A second prune with nothing to do changes nothing.
    const again = await app.get(PruneService).prune({ clientId: id });
    expect(again.clients[0]).toMatchObject({ deleted: [], resumed: [], refused: [] });
    expect(await liveSeqs(id)).toEqual([2, 5, 6]);
  });

  it('finishes a prune that stopped between the catalog and the store, and the catalog never expires the newest or a pinned snapshot', async () => {
    const { id, shareDir } = await addClient('bravo', 1);
    for (let g = 1; g <= 4; g++) expect((await backUp(id, shareDir, g)).state).toBe('succeeded');
    const ids = new Map<number, string>((await app.get(SnapshotExpiryRepository).snapshotSeqs(id)).map((s) => [s.seq, s.id]));
    expect([...ids.keys()]).toEqual([1, 2, 3, 4]);

    // The guards hold whatever a plan says.
    const expiry = app.get(SnapshotExpiryRepository);
    expect(await expiry.expire(ids.get(4)!)).toMatchObject({ expired: false, refused: 'newest' });
    await db.dataSource.query('UPDATE snapshots SET pinned = true WHERE id = $1', [ids.get(3)]);
    expect(await expiry.expire(ids.get(3)!)).toMatchObject({ expired: false, refused: 'pinned' });
    await db.dataSource.query('UPDATE snapshots SET pinned = false WHERE id = $1', [ids.get(3)]);

    // A crash after the catalog transaction of snapshot 1, before its move to trash.
    expect(await expiry.expire(ids.get(1)!)).toMatchObject({ expired: true, seq: 1 });
    expect(await expiry.expire(ids.get(1)!)).toMatchObject({ expired: false, refused: 'already-expired' });
    expect(await storeSeqs(id)).toEqual([1, 2, 3, 4]);

    // Snapshot 2 was done completely (catalog, then trash) before the crash.
    expect(await expiry.expire(ids.get(2)!)).toMatchObject({ expired: true, seq: 2 });
    await store.deleteSnapshot(id, 2);

    const report = await app.get(PruneService).prune({ clientId: id });
    expect(report.clients[0]).toMatchObject({ resumed: [1], deleted: [3], kept: [4], refused: [] });
    expect(await liveSeqs(id)).toEqual([4]);
    await expectCatalogMatchesStore(id);

    const again = await app.get(PruneService).prune({ clientId: id });
    expect(again.clients[0]).toMatchObject({ resumed: [], deleted: [], kept: [4] });
    await app.get(MaintenanceService).gc();
    expect((await fsck(store)).ok).toBe(true);
    const target = join(workDir, 'restore-bravo-4');
    await restoreSnapshot(store, id, 4, target);
    expect(compareTrees(await readTree(shareDir), await readTree(join(target, 'data')))).toEqual([]);
  });

  it('skips a client whose backup holds its lock', async () => {
    const { id, shareDir } = await addClient('charlie', 1);
    for (let g = 1; g <= 2; g++) await backUp(id, shareDir, g);
    const { ClientLockRepository } = await import('../backup/client-lock.repository.js');
    const lock = await app.get(ClientLockRepository).tryAcquire(id);
    try {
      const report = await app.get(PruneService).prune({ clientId: id });
      expect(report.clients[0]).toMatchObject({ skipped: 'busy', deleted: [] });
      expect(await liveSeqs(id)).toEqual([1, 2]);
    } finally {
      await lock!.release();
    }
    expect((await app.get(PruneService).prune({ clientId: id })).clients[0]).toMatchObject({ deleted: [1] });
  });
});
