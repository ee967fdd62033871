import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupRun, ClientRepository, BackupRunRepository, ShareRepository } from '@backtrac/catalog';
import { loadConfig } from '@backtrac/config';
import { BackupJobProducer, backupJobId, type BackupJobPayload, QueueName } from '@backtrac/queue';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { createTestRedis, type TestRedis } from '../../../../test/harness/redis.js';
import { type SambaServer, startSamba } from '../../../../test/harness/samba.js';
import { CopyWorkerModule } from '../copy-worker.module.js';

const FILES = 100_000;
const PER_DIR = 100;

/** Inodes in use on the filesystem holding `path` (statfs). */
async function inodesInUse(path: string): Promise<number> {
  const s = await statfs(path);
  return s.files - s.ffree;
}

describe('an unchanged incremental of a 100,000-file share (real smbd, Postgres, Redis, store format 2)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let samba: SambaServer;
  let workDir: string;
  let storeRoot: string;
  let storeParent: string;
  let app: INestApplicationContext;
  let queue: Queue<BackupJobPayload>;
  let clientId: string;
  let slot = 0;

  async function backUp(): Promise<BackupRun> {
    const at = new Date(Date.UTC(2031, 0, 1, 0, 0, slot++));
    const jobId = backupJobId(clientId, at);
    const run = await app.get(BackupRunRepository).ensure({ jobId, clientId, kind: 'incremental', trigger: 'manual' });
    await new BackupJobProducer(queue).enqueue({ clientId, runId: run.id, trigger: 'manual', slot: at.toISOString(), full: false });
    const deadline = Date.now() + 900_000;
    while (Date.now() < deadline) {
      const current = await app.get(BackupRunRepository).findById(run.id);
      if (current && ['succeeded', 'partial', 'failed'].includes(current.state)) return current;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`run ${run.id} did not finish`);
  }

  const fileVersions = async (): Promise<number> =>
    Number((await db.dataSource.query('SELECT count(*)::int AS n FROM file_versions WHERE client_id = $1', [clientId]))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = createTestRedis();
    workDir = join(tmpdir(), `bt-100k-${randomBytes(4).toString('hex')}`);
    // statfs counts a whole filesystem: the store goes on one no other test writes to meanwhile
    // (/dev/shm, a tmpfs, when the machine has it), so the count is this backup's alone.
    storeParent = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/bt-100k-store-') : workDir;
    storeRoot = join(storeParent, 'store');
    const shareDir = join(workDir, 'share');
    for (let d = 0; d * PER_DIR < FILES; d++) {
      const dir = join(shareDir, `group-${d % 10}`, `d${String(d).padStart(4, '0')}`);
      await mkdir(dir, { recursive: true });
      await Promise.all(Array.from({ length: PER_DIR }, (_, f) => writeFile(join(dir, `f${f}.txt`), `file ${d}/${f}\n`)));
    }
    samba = await startSamba();
    await samba.addUser('bob', 'Bob-pass-1');
    await samba.addShare('big', shareDir);
    const config = loadConfig('copy-worker', {
      DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, STORE_ROOT: storeRoot, SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn', COPY_WORKER_CONCURRENCY: '1',
    });
    app = await NestFactory.createApplicationContext(CopyWorkerModule.forRoot(config), { logger: ['error'], abortOnError: false });
    await app.init();
    queue = new Queue(QueueName.Backup, { connection: { url: redis.url }, prefix: redis.prefix });
    const client = await app.get(ClientRepository).create({ name: 'big-client', hostname: 'big-client' });
    await app.get(ShareRepository).createForClient(client.id, { name: 'big', url: `smb://127.0.0.1:${samba.port}/big`, username: 'bob', password: 'Bob-pass-1' });
    clientId = client.id;
  }, 900_000);

  afterAll(async () => {
    await queue?.close();
    await app?.close();
    await samba?.stop();
    await redis?.cleanup();
    await db?.drop();
    await rm(workDir, { recursive: true, force: true });
    await rm(storeParent, { recursive: true, force: true });
  }, 300_000);

  it('creates fewer than 1,000 inodes and no file-version rows', async () => {
    const first = await backUp();
    expect(first.state).toBe('succeeded');
    const versions = await fileVersions();
    expect(versions).toBeGreaterThanOrEqual(FILES);
    const before = await inodesInUse(storeRoot);
    const second = await backUp();
    const after = await inodesInUse(storeRoot);
    expect(second.state).toBe('succeeded');
    expect(after - before).toBeLessThan(1000);
    expect(await fileVersions()).toBe(versions);
  }, 1_800_000);
});
