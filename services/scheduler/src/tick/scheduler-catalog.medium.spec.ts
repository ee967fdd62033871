import { ClientRepository, createCatalogDataSource, ScheduleRepository } from '@backtrac/catalog';
import { type BackupJobPayload, createRedisConnection } from '@backtrac/queue';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { createTestRedis, type TestRedis } from '../../../../test/harness/redis.js';
import { BackupQueueRepository } from './backup-queue.repository.js';
import { SchedulerCatalogRepository } from './scheduler-catalog.repository.js';
import { SchedulerStateRepository } from './scheduler-state.repository.js';
import { SchedulerTickService } from './scheduler-tick.service.js';

describe('scheduler tick on the real catalog (Postgres) and queue (Redis)', () => {
  let db: TestDatabase;
  let second: DataSource;
  let redis: TestRedis;
  const closers: (() => Promise<void> | void)[] = [];
  const ids: Record<string, string> = {};
  // A minute after creation, so at least one every-minute slot is after the schedule's start.
  const now = new Date(Date.now() + 90_000);

  beforeAll(async () => {
    db = await createTestDatabase();
    // The second scheduler gets its own connection pool, like a second process.
    second = createCatalogDataSource({ databaseUrl: db.url, applicationName: 'scheduler-b', poolSize: 2 });
    await second.initialize();
    redis = createTestRedis();
    const clients = new ClientRepository(db.dataSource);
    for (let i = 0; i < 8; i++) ids[`ws-${i}`] = (await clients.create({ name: `ws-${i}`, hostname: `ws-${i}.lan`, site: i < 6 ? 'paris' : 'lyon' })).id;
    await new ScheduleRepository(db.dataSource).create({ name: 'every minute', cron: '* * * * *', timezone: 'Europe/Paris', clientId: null, jitterSeconds: 0 });
    // Last good backups: ws-0 oldest ... ws-6 newest; ws-7 never. ws-5's agent has gone quiet.
    for (let i = 0; i < 7; i++) {
      await db.dataSource.query(
        `INSERT INTO backup_runs (client_id, job_id, kind, trigger, state, finished_at) VALUES ($1, $2, 'full', 'manual', 'succeeded', $3)`,
        [ids[`ws-${i}`], `backup:${ids[`ws-${i}`]}:manual-${i}`, new Date(Date.now() - (10 - i) * 86_400_000)],
      );
    }
    await db.dataSource.query(`INSERT INTO agents (client_id, hostname, secret_hash, status, last_heartbeat_at) VALUES ($1, 'ws-5', 'x', 'approved', $2)`, [
      ids['ws-5'],
      new Date(Date.now() - 3_600_000),
    ]);
  });

  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    if (second?.isInitialized) await second.destroy();
    await db?.drop();
    await redis?.cleanup();
  });

  function scheduler(ds: DataSource) {
    const conn = createRedisConnection(redis.url);
    const queue = BackupQueueRepository.create(conn, redis.prefix);
    closers.push(() => conn.disconnect(), () => queue.close());
    const svc = new SchedulerTickService(
      new SchedulerCatalogRepository(ds),
      queue,
      new SchedulerStateRepository(conn, redis.prefix),
      null,
      { caps: { global: 5, perSite: { paris: 4 } }, lockTtlMs: 0 },
      () => now,
    );
    return { svc, queue };
  }

  it('two schedulers at once: one run row and one job per client, oldest first, caps and offline agent respected', async () => {
    const a = scheduler(db.dataSource);
    const b = scheduler(second);
    const reports = await Promise.all([a.svc.tick(), b.svc.tick(), a.svc.tick(), b.svc.tick()]);

    const runs = (await db.dataSource.query(`SELECT id, client_id, job_id, kind FROM backup_runs WHERE trigger = 'schedule'`)) as {
      id: string;
      client_id: string;
      job_id: string;
      kind: string;
    }[];
    const jobs = (await a.queue.queue.getJobs(['waiting', 'prioritized', 'active', 'delayed'])).filter(Boolean);
    const name = (id: string) => Object.keys(ids).find((k) => ids[k] === id);

    // Caps: 5 global, 4 for paris. ws-7 (never backed up) first, then the oldest: ws-0..ws-3 fill
    // paris; ws-4 waits for paris; ws-5 is blocked (agent offline); lyon's ws-6 would exceed the global cap.
    expect(runs.map((r) => name(r.client_id)).sort()).toEqual(['ws-0', 'ws-1', 'ws-2', 'ws-3', 'ws-7']);
    expect(jobs).toHaveLength(5);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(5);
    for (const job of jobs as { id?: string; data: BackupJobPayload }[]) {
      const run = runs.find((r) => r.job_id === job.id)!;
      expect(job.data.runId).toBe(run.id);
      expect(job.data.trigger).toBe('schedule');
    }
    expect(runs.find((r) => name(r.client_id) === 'ws-7')!.kind).toBe('full');
    expect(runs.find((r) => name(r.client_id) === 'ws-0')!.kind).toBe('incremental');

    const created = reports.flatMap((r) => r.enqueued.filter((e) => e.created).map((e) => e.jobId));
    expect(new Set(created).size).toBe(5);
    const blocked = reports.flatMap((r) => r.blocked);
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.every((x) => name(x.clientId) === 'ws-5' && x.reason === 'agent-offline')).toBe(true);

    // A third tick of each changes nothing: the slot is recorded in the catalog.
    const again = await Promise.all([a.svc.tick(), b.svc.tick()]);
    expect(again.flatMap((r) => r.enqueued)).toEqual([]);
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM backup_runs WHERE trigger = 'schedule'`)).toEqual([{ n: 5 }]);
  });
});
