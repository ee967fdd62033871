import { type BackupJobPayload, createRedisConnection, FailureCode, jobFailureError, MaintenanceJobProducer, QueueName } from '@backtrac/queue';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '../../../../test/harness/redis.js';
import type { ScheduleSpec } from '../schedule/slot-decision.js';
import { BackupQueueRepository } from './backup-queue.repository.js';
import { InMemorySchedulerSource } from './in-memory-scheduler.fakes.js';
import { DEFAULT_MAINTENANCE } from './maintenance-planner.js';
import type { ScheduledClient } from './scheduler.ports.js';
import { SchedulerStateRepository } from './scheduler-state.repository.js';
import { SchedulerTickService, type TickOptions } from './scheduler-tick.service.js';

const every5: ScheduleSpec = {
  id: 's',
  cron: '*/5 * * * *',
  timeZone: 'UTC',
  windows: [],
  blackouts: [],
  jitterSeconds: 0,
  fullEveryDays: null,
  activeSince: new Date('2026-01-10T21:00:00Z'),
};
const DAY = 86_400_000;
const fakeNow = new Date('2026-01-10T22:00:00Z');

function clients(n: number, site = (_i: number) => 'hq'): ScheduledClient[] {
  // client-0 has the oldest last good backup, client-(n-1) the newest.
  return Array.from({ length: n }, (_, i) => ({
    schedule: every5,
    client: { clientId: `client-${i}`, siteId: site(i), lastSlot: null, lastGoodAt: new Date(fakeNow.getTime() - (n - i) * DAY), lastFullAt: null, blocked: null },
  }));
}

describe('scheduler tick against real Redis/BullMQ', () => {
  let redis: TestRedis;
  const opened: { close(): Promise<void> }[] = [];
  const conns: Redis[] = [];

  beforeAll(() => {
    redis = createTestRedis();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((o) => o.close()));
    for (const c of conns.splice(0)) c.disconnect();
    await redis.cleanup();
  });
  afterAll(async () => {
    await redis?.cleanup();
  });

  /** One scheduler process: its own Redis connection, queue producer and state. */
  function scheduler(prefix: string, source: InMemorySchedulerSource, options: Partial<TickOptions> = {}, clock = () => fakeNow, backoffDelayMs?: number) {
    const conn = createRedisConnection(redis.url);
    conns.push(conn);
    const queue = BackupQueueRepository.create(conn, prefix, backoffDelayMs);
    opened.push(queue);
    const svc = new SchedulerTickService(source, queue, new SchedulerStateRepository(conn, prefix), null, { caps: { global: 1000 }, ...options }, clock);
    return { svc, queue };
  }

  async function jobsIn(queue: BackupQueueRepository): Promise<Job<BackupJobPayload>[]> {
    return (await queue.queue.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'])).filter(Boolean);
  }

  it('two schedulers ticking at once, each with its own view of the catalog, never double a job', async () => {
    const prefix = `${redis.prefix}_dup`;
    // Separate sources: neither scheduler sees the other's catalog row, so only the job id protects.
    const a = scheduler(prefix, new InMemorySchedulerSource(clients(30)), { lockTtlMs: 0 });
    const b = scheduler(prefix, new InMemorySchedulerSource(clients(30)), { lockTtlMs: 0 });
    const reports = [];
    for (let round = 0; round < 3; round++) {
      reports.push(...(await Promise.all([a.svc.tick(), b.svc.tick(), a.svc.tick(), b.svc.tick()])));
    }
    const attempts = reports.flatMap((r) => r.enqueued);
    // Both schedulers tried to add every client's slot (each with its own run id); for each slot
    // exactly one run id won, and the other scheduler learnt it lost.
    expect(attempts.length).toBeGreaterThanOrEqual(60);
    const winners = new Set(attempts.filter((e) => e.created).map((e) => e.runId));
    expect(winners.size).toBe(30);
    expect(attempts.filter((e) => !e.created).length).toBeGreaterThanOrEqual(30);
    const jobs = await jobsIn(a.queue);
    for (const j of jobs) expect(winners.has(j.data.runId)).toBe(true);
    expect(jobs).toHaveLength(30);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(30);
    expect(new Set(jobs.map((j) => j.data.clientId)).size).toBe(30);
    for (const j of jobs) expect(j.id).toBe(`backup:${j.data.clientId}:20260110T220000Z`);
  });

  it('with the shared lease and a shared catalog, concurrent ticks enqueue each slot exactly once', async () => {
    const prefix = `${redis.prefix}_lease`;
    const source = new InMemorySchedulerSource(clients(20));
    const a = scheduler(prefix, source);
    const b = scheduler(prefix, source);
    const reports = await Promise.all([a.svc.tick(), b.svc.tick()]);
    expect(reports.map((r) => r.ran).sort()).toEqual([false, true]);
    await Promise.all([a.svc.tick(), b.svc.tick()]);
    expect(await jobsIn(a.queue)).toHaveLength(20);
    expect(source.runs.size).toBe(20);
    const enqueued = reports.flatMap((r) => r.enqueued);
    expect(enqueued).toHaveLength(20);
  });

  it('oldest last good backup is processed first (BullMQ priority)', async () => {
    const prefix = `${redis.prefix}_prio`;
    // Shuffle so the insertion order is not the expected order.
    const items = clients(6);
    const source = new InMemorySchedulerSource([items[3]!, items[0]!, items[5]!, items[1]!, items[4]!, items[2]!]);
    // Two separate ticks (global cap 3) so priorities from different ticks must interleave right.
    const s = scheduler(prefix, source, { caps: { global: 3 } });
    await s.svc.tick();
    const order: string[] = [];
    const workerConn = createRedisConnection(redis.url);
    conns.push(workerConn);
    const worker = new Worker<BackupJobPayload>(QueueName.Backup, async (job) => void order.push(job.data.clientId), {
      connection: workerConn,
      prefix,
      concurrency: 1,
      autorun: false,
    });
    opened.push(worker);
    // Enqueue the next three while the first three are still waiting: cap counts them, so nothing new yet.
    expect((await s.svc.tick()).enqueued).toEqual([]);
    const done = new Promise<void>((resolve) => worker.on('completed', () => order.length === 6 && resolve()));
    void worker.run();
    while (order.length < 3) await new Promise((r) => setTimeout(r, 20));
    await s.svc.tick();
    await done;
    expect(order).toEqual(['client-0', 'client-1', 'client-2', 'client-3', 'client-4', 'client-5']);
  });

  it('global and per-site caps hold across ticks', async () => {
    const prefix = `${redis.prefix}_cap`;
    const source = new InMemorySchedulerSource(clients(6, (i) => (i < 4 ? 'paris' : 'lyon')));
    const s = scheduler(prefix, source, { caps: { global: 3, perSite: { paris: 2 } } });
    const r1 = await s.svc.tick();
    // paris: client-0, client-1 (cap 2); lyon: client-4 fills the global cap of 3.
    expect(r1.enqueued.map((e) => e.clientId)).toEqual(['client-0', 'client-1', 'client-4']);
    expect(r1.deferred.map((d) => [d.clientId, d.reason])).toEqual([
      ['client-2', 'site-cap'],
      ['client-3', 'site-cap'],
      ['client-5', 'global-cap'],
    ]);
    expect((await s.svc.tick()).enqueued).toEqual([]);
    // One paris backup finishes: the next paris client (oldest first) may start.
    const job = await s.queue.queue.getJob('backup:client-0:20260110T220000Z');
    await job!.remove();
    const r3 = await s.svc.tick();
    expect(r3.enqueued.map((e) => e.clientId)).toEqual(['client-2']);
    expect(await s.queue.inFlightClientIds()).toHaveLength(3);
  });

  it('maintenance slots land once on the maintenance queue, whichever scheduler ticks', async () => {
    const prefix = `${redis.prefix}_maint`;
    const conn = createRedisConnection(redis.url);
    conns.push(conn);
    const maintenance = new MaintenanceJobProducer(new Queue(QueueName.Maintenance, { connection: conn, prefix }));
    opened.push(maintenance.queue);
    const options = { maintenance: { specs: DEFAULT_MAINTENANCE, queue: maintenance }, lockTtlMs: 0 };
    const a = scheduler(prefix, new InMemorySchedulerSource([]), options);
    const b = scheduler(prefix, new InMemorySchedulerSource([]), options);
    await Promise.all([a.svc.tick(), b.svc.tick(), a.svc.tick()]);
    const jobs = (await maintenance.queue.getJobs(['waiting', 'prioritized', 'delayed'])).filter(Boolean);
    expect(jobs.map((j) => [j.name, j.id]).sort()).toEqual([
      ['gc', 'gc:all:20260110T080000Z'],
      ['prune', 'prune:all:20260110T073000Z'],
      ['verify', 'verify:all:20260104T090000Z'],
    ]);
  });

  it('a backup that failed with SHARE_UNREACHABLE on every BullMQ attempt is retried by the tick after its backoff, same job id', async () => {
    const prefix = `${redis.prefix}_retry`;
    // Real time here (BullMQ stamps the failure with it); a yearly slot in the past stays the latest.
    const yearly = { ...every5, cron: '0 0 1 1 *', activeSince: new Date('2025-06-01T00:00:00Z') };
    const source = new InMemorySchedulerSource(clients(1).map((i) => ({ ...i, schedule: yearly })));
    let now = new Date();
    // BullMQ's own retries 10 ms apart instead of 30 s.
    const s = scheduler(prefix, source, { retry: { baseSeconds: 60, maxSeconds: 600 } }, () => now, 10);
    await s.svc.tick();
    const workerConn = createRedisConnection(redis.url);
    conns.push(workerConn);
    let calls = 0;
    const failed = new Promise<void>((resolve) => {
      const worker = new Worker<BackupJobPayload>(
        QueueName.Backup,
        async () => {
          calls += 1;
          if (calls <= 4) throw jobFailureError({ code: FailureCode.ShareUnreachable, message: 'smb://ws/docs' }, { retry: true });
        },
        { connection: workerConn, prefix, concurrency: 1 },
      );
      opened.push(worker);
      worker.on('failed', (job) => job && job.attemptsMade >= (job.opts.attempts ?? 1) && resolve());
    });
    await failed;
    expect(calls).toBe(4);
    const id = (await jobsIn(s.queue))[0]!.id!;
    expect(id).toMatch(/^backup:client-0:\d{4}0101T000000Z$/);
    const job = await s.queue.queue.getJob(id);
    const finishedOn = job!.finishedOn!;
    expect(await job!.getState()).toBe('failed');
    // Four attempts made: the tick's backoff is 60 s * 2^3 = 480 s.
    now = new Date(finishedOn + 479_000);
    expect((await s.svc.tick()).retried).toEqual([]);
    now = new Date(finishedOn + 481_000);
    expect((await s.svc.tick()).retried).toEqual([{ jobId: id, clientId: 'client-0', attemptsMade: 4 }]);
    for (let i = 0; i < 100 && calls < 5; i++) await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(5);
    expect(await jobsIn(s.queue)).toHaveLength(1);
  });
});
