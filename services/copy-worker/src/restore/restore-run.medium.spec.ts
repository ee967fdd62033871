import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRepository, type NewRestore, RestoreRepository, BackupRunRepository, ShareRepository } from '@backtrac/catalog';
import { loadConfig } from '@backtrac/config';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { createTestRedis, type TestRedis } from '../../../../test/harness/redis.js';
import { type SambaServer, startSamba } from '../../../../test/harness/samba.js';
import { BackupRunService } from '../backup/backup-run.service.js';
import { ClientLockRepository } from '../backup/client-lock.repository.js';
import { StoreGuardRepository } from '../backup/store-guard.repository.js';
import { CopyWorkerModule } from '../copy-worker.module.js';
import { RestoreBusyError, RestoreFailedPermanentlyError, RestoreRunService } from './restore-run.service.js';

/** RestoreRunService against a real catalog, Redis, store and smbd share (no queue in between). */
describe('RestoreRunService (real Postgres, Redis, store, smbd)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let samba: SambaServer;
  let work: string;
  let destDir: string;
  let app: INestApplicationContext;
  let sourceId: string;
  let destId: string;
  let destShareId: string;
  let restores: RestoreRepository;
  let folder = 0;

  const run = (restoreId: string, attempt = 1) =>
    app.get(RestoreRunService).run({ jobId: `restore:${sourceId}:${restoreId}`, restoreId, attempt, maxAttempts: 3, signal: new AbortController().signal });
  const request = async (extra: Partial<NewRestore> = {}) =>
    (await restores.create({
      clientId: sourceId, seq: 1, asOf: null, paths: [], target: { clientId: destId, shareId: destShareId, path: `f${++folder}` }, policy: 'overwrite', mirror: false,
      verifyReadBack: false, requestedBy: 'user:test', ...extra,
    }))!;
  const log = async (id: string) => (await restores.logLines(id, undefined, 1000)).map((l) => l.message);

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = createTestRedis();
    work = join(tmpdir(), `bt-restore-run-${randomBytes(4).toString('hex')}`);
    const sourceDir = join(work, 'source');
    destDir = join(work, 'dest');
    await mkdir(join(sourceDir, 'empty-dir'), { recursive: true });
    await mkdir(join(sourceDir, 'sub'), { recursive: true });
    await mkdir(destDir, { recursive: true });
    await writeFile(join(sourceDir, 'sub', 'a.txt'), 'alpha');
    await writeFile(join(sourceDir, 'empty.txt'), '');
    await writeFile(join(sourceDir, 'back\\slash.txt'), 'a name SMB cannot carry');
    await symlink('sub/a.txt', join(sourceDir, 'link-to-a'));
    const old = new Date('2020-02-03T04:05:06.789Z');
    for (const path of ['sub/a.txt', 'empty.txt', 'sub', 'empty-dir']) await utimes(join(sourceDir, path), old, old);
    samba = await startSamba();
    await samba.addUser('dora', 'Dora-pass-12');
    await samba.addShare('dest', destDir);
    const config = loadConfig('copy-worker', {
      DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, STORE_ROOT: join(work, 'store'), SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn', JOB_LOCK_SECONDS: '3', FILE_SHARE_ROOTS: sourceDir,
    });
    app = await NestFactory.createApplicationContext(CopyWorkerModule.forRoot(config, { processJobs: false }), { logger: ['error'], abortOnError: false });
    await app.init();
    restores = app.get(RestoreRepository);
    const clients = app.get(ClientRepository);
    const shares = app.get(ShareRepository);
    sourceId = (await clients.create({ name: 'local', hostname: 'local' })).id;
    await shares.createForClient(sourceId, { name: 'data', url: `file://${sourceDir}` });
    destId = (await clients.create({ name: 'smb', hostname: 'smb' })).id;
    destShareId = (await shares.createForClient(destId, { name: 'dest', url: `smb://127.0.0.1:${samba.port}/dest`, username: 'dora', password: 'Dora-pass-12' })).id;
    const runRow = await app.get(BackupRunRepository).ensure({ jobId: `backup:${sourceId}:20300101T000000Z`, clientId: sourceId, kind: 'full', trigger: 'manual' });
    await app.get(BackupRunService).run({
      jobId: runRow.jobId, payload: { clientId: sourceId, runId: runRow.id, trigger: 'manual', slot: '2030-01-01T00:00:00Z', full: true },
      attempt: 1, maxAttempts: 1, signal: new AbortController().signal, reportProgress: () => undefined,
    });
    await db.dataSource.query(`INSERT INTO snapshots (client_id, seq, run_id, completed_at) VALUES ($1, 1, $2, now()) ON CONFLICT DO NOTHING`, [sourceId, runRow.id]);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await samba?.stop();
    await db?.drop();
    await redis?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('restores empty files and folders with their times, and logs what SMB cannot hold', async () => {
    const restore = await request();
    await run(restore.id);
    const done = (await restores.findById(restore.id))!;
    const lines = await log(restore.id);
    expect(done, lines.join('\n')).toMatchObject({ state: 'partial', restored: 2, skipped: 1, failed: 1, filesTotal: 4 });
    expect(lines).toContainEqual(expect.stringMatching(/^data\/link-to-a: symlink to "sub\/a\.txt" not restored: SMB cannot create symlinks/));
    expect(lines).toContainEqual(expect.stringMatching(/^data\/back\\slash\.txt: not restored: its name holds a character SMB cannot carry/));
    const root = join(destDir, `f${folder}`, 'data');
    expect((await readdir(root)).sort()).toEqual(['empty-dir', 'empty.txt', 'sub']);
    expect(await readFile(join(root, 'sub', 'a.txt'), 'utf8')).toBe('alpha');
    expect((await stat(join(root, 'empty.txt'))).size).toBe(0);
    for (const path of ['sub/a.txt', 'empty.txt', 'sub', 'empty-dir']) expect((await stat(join(root, path))).mtime.toISOString(), path).toBe('2020-02-03T04:05:06.789Z');
  });

  it('fails only the file the server refuses (a name colliding by case) and restores the rest', async () => {
    const restore = await request({ paths: ['data/sub'] });
    await mkdir(join(destDir, `f${folder}`, 'sub'), { recursive: true });
    await writeFile(join(destDir, `f${folder}`, 'sub', 'A.TXT'), 'already there');
    await run(restore.id);
    const done = (await restores.findById(restore.id))!;
    const lines = await log(restore.id);
    expect(done, lines.join('\n')).toMatchObject({ state: 'partial', restored: 0, failed: 1 });
    expect(lines).toContainEqual(expect.stringMatching(/^data\/sub\/a\.txt: not restored: .*STATUS_OBJECT_NAME_COLLISION/));
    expect((await readdir(join(destDir, `f${folder}`, 'sub'))).sort()).toEqual(['A.TXT']);
    expect(await readFile(join(destDir, `f${folder}`, 'sub', 'A.TXT'), 'utf8')).toBe('already there');
  });

  it('waits while a backup (or another restore) holds the destination client, and while gc runs', async () => {
    const restore = await request();
    const lock = (await app.get(ClientLockRepository).tryAcquire(destId))!;
    await expect(run(restore.id)).rejects.toBeInstanceOf(RestoreBusyError);
    expect((await restores.findById(restore.id))!.state).toBe('queued');
    await lock.release();
    const releaseGc = await app.get(StoreGuardRepository).exclusiveForGc();
    await expect(run(restore.id)).rejects.toBeInstanceOf(RestoreBusyError);
    await releaseGc();
    await run(restore.id);
    expect((await restores.findById(restore.id))!.state).toBe('partial');
  });

  it('does nothing for a restore cancelled before it started', async () => {
    const restore = await request();
    await restores.requestCancel(restore.id);
    await run(restore.id);
    expect((await restores.findById(restore.id))!.state).toBe('cancelled');
    await expect(stat(join(destDir, `f${folder}`))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails at once, with the reason, when the destination share cannot be reached', async () => {
    const shares = app.get(ShareRepository);
    const closed = (await shares.createForClient(destId, { name: 'nowhere', url: 'smb://127.0.0.1:1/dest', username: 'dora', password: 'x' })).id;
    const restore = await request({ target: { clientId: destId, shareId: closed, path: '' } });
    await expect(run(restore.id)).rejects.toBeInstanceOf(RestoreFailedPermanentlyError);
    const done = (await restores.findById(restore.id))!;
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/^destination share nowhere \(smb:\/\/127\.0\.0\.1:1\/dest\): .*ECONNREFUSED/);
  });
});
