import { ClientRepository } from '@backtrac/catalog';
import { BackupJobProducer, backupJobId, createRedisConnection, FailureCode, jobFailureError, QueueName } from '@backtrac/queue';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookSink, type WebhookSink } from '../../../../test/harness/alert-sinks.js';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { createTestRedis, type TestRedis } from '../../../../test/harness/redis.js';
import { AlertDispatchService, InMemoryAlertLedger } from '@backtrac/alerts';
import type { WebhookPayload } from '@backtrac/alerts';
import { RunAlertsListener, RunAlertsService } from './run-alerts.listener.js';
import { RunLookupRepository } from './run-lookup.repository.js';
import { SmtpMailerRepository } from '@backtrac/alerts';
import { WebhookSenderRepository } from '@backtrac/alerts';

describe('alerts from finished backup jobs (Postgres, BullMQ events, HTTP receiver)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let conn: Redis;
  let hookSink: WebhookSink | undefined;
  let url: string;
  const received = (): WebhookPayload[] => hookSink!.hooks.map((h) => JSON.parse(h.body) as WebhookPayload);

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = createTestRedis();
    conn = createRedisConnection(redis.url);
    hookSink = await startWebhookSink();
    url = `${hookSink.url}/hook`;
  });

  afterAll(async () => {
    conn?.disconnect();
    await hookSink?.close();
    await db?.drop();
    await redis?.cleanup();
  });

  it('a failed run and a mass-change run raise alerts; an unreachable share (retried later) does not', async () => {
    const client = await new ClientRepository(db.dataSource).create({ name: 'ws-accounting', hostname: 'ws' });
    await db.dataSource.query(`INSERT INTO snapshots (client_id, seq, file_count, completed_at) VALUES ($1, 1, 1000, now())`, [client.id]);
    const slots = { unusual: '2026-01-10T01:00:00Z', failed: '2026-01-11T01:00:00Z', away: '2026-01-12T01:00:00Z' };
    const jobs = { unusual: backupJobId(client.id, slots.unusual), failed: backupJobId(client.id, slots.failed), away: backupJobId(client.id, slots.away) };
    await db.dataSource.query(
      `INSERT INTO backup_runs (client_id, job_id, seq, state, files_changed, files_deleted, finished_at) VALUES ($1, $2, 2, 'succeeded', 600, 100, now())`,
      [client.id, jobs.unusual],
    );
    await db.dataSource.query(`INSERT INTO backup_runs (client_id, job_id, state) VALUES ($1, $2, 'running'), ($1, $3, 'running')`, [client.id, jobs.failed, jobs.away]);

    const service = new RunAlertsService(
      new RunLookupRepository(db.dataSource),
      {
        load: async () => ({
          alerts: { serverName: 'hq', timeZone: 'UTC', email: null, webhooks: [{ url, secret: null }], enabledTypes: ['run-failed', 'unusual-run'], repeatHours: 24 },
          unusual: { maxChangedShare: 0.5, minPreviousFiles: 100 },
        }),
      },
      new AlertDispatchService(new SmtpMailerRepository(), new WebhookSenderRepository(10_000, true), new InMemoryAlertLedger()),
    );
    const errors: Error[] = [];
    const listener = new RunAlertsListener(service, conn, redis.prefix, (e) => errors.push(e));
    await listener.start();

    const queue = new Queue(QueueName.Backup, { connection: conn, prefix: redis.prefix });
    const workerConn = createRedisConnection(redis.url);
    const worker = new Worker(
      QueueName.Backup,
      async (job) => {
        if (job.id === jobs.failed) throw jobFailureError({ code: FailureCode.Unexpected, message: 'disk on fire' }, { retry: true });
        if (job.id === jobs.away) throw jobFailureError({ code: FailureCode.ShareUnreachable, message: 'smb://ws/docs' }, { retry: true });
      },
      { connection: workerConn, prefix: redis.prefix },
    );
    try {
      // Production's job options (four attempts), retried 10 ms apart.
      const producer = new BackupJobProducer(queue, 10);
      for (const slot of Object.values(slots)) await producer.enqueue({ clientId: client.id, runId: 'r', trigger: 'schedule', slot, full: false });
      for (let i = 0; i < 250 && hookSink!.hooks.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300)); // room for a wrong third alert to show up
    } finally {
      await worker.close();
      workerConn.disconnect();
      await listener.stop();
      await queue.close();
    }
    expect(errors).toEqual([]);
    expect(received().map((p) => [p.type, (p.data as { jobId?: string; runId: string }).runId !== undefined]).sort()).toEqual([
      ['run-failed', true],
      ['unusual-run', true],
    ]);
    const failed = received().find((p) => p.type === 'run-failed')!;
    expect(failed.subject).toBe('[BackTrac hq] Backup of ws-accounting failed');
    expect(failed.data).toMatchObject({ jobId: jobs.failed, error: 'disk on fire' });
    const unusual = received().find((p) => p.type === 'unusual-run')!;
    expect(unusual.data).toMatchObject({ changedFiles: 700, previousFiles: 1000, changedShare: 0.7 });
  });
});
