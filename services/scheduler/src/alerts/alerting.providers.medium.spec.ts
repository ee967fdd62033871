import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, Worker } from 'bullmq';
import { AlertSettingsRepository, CatalogModule, ClientRepository, SecretBox } from '@backtrac/catalog';
import { BackupJobProducer, backupJobId, FailureCode, jobFailureError, JobName, MaintenanceJobProducer, QueueModule, QueueName } from '@backtrac/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReceivedHook, startWebhookSink, type WebhookSink } from '../../../../test/harness/alert-sinks.js';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { createTestRedis, type TestRedis } from '../../../../test/harness/redis.js';
import { AlertingLifecycle, alertingProviders, schedulerAlertDelivery } from './alerting.providers.js';
import { verifyWebhook } from '@backtrac/alerts';

/** Alerting as the scheduler wires it: settings from the catalog, run events from BullMQ, a webhook receiver on loopback. */
describe('alerting providers (real Postgres, Redis, HTTP receiver)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let app: INestApplicationContext | undefined;
  let hookSink: WebhookSink | undefined;
  let httpUrl: string;
  let storeRoot: string;
  let hooks: ReceivedHook[];
  const secretKey = randomBytes(32);

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = createTestRedis();
    storeRoot = await mkdtemp(join(tmpdir(), 'bt-alerting-'));
    hookSink = await startWebhookSink();
    hooks = hookSink.hooks;
    httpUrl = `${hookSink.url}/hook`;
    @Module({
      imports: [
        CatalogModule.forRoot({ databaseUrl: db.url, secretKey, applicationName: 'alerting-test' }),
        QueueModule.forRoot({ redisUrl: redis.url, prefix: redis.prefix }),
        // The webhook receiver listens on loopback.
        schedulerAlertDelivery(true),
      ],
      providers: alertingProviders({ checkSeconds: 3600, storeRoot }),
    })
    class TestAlertingModule {}
    app = await NestFactory.createApplicationContext(TestAlertingModule, { logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await hookSink?.close();
    await db?.drop();
    await redis?.cleanup();
    await rm(storeRoot, { recursive: true, force: true });
  });

  const waitForHooks = async (n: number): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (hooks.length < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  };

  /** A backup job that fails for good, with its catalog row, as a copy worker would leave it. */
  async function failBackup(clientId: string, second: number): Promise<void> {
    const slot = new Date(Date.UTC(2030, 0, 1, 0, 0, second));
    const jobId = backupJobId(clientId, slot);
    await db.dataSource.query(`INSERT INTO backup_runs (client_id, job_id, state, error, attempts) VALUES ($1, $2, 'failed', 'logon as alice refused', 1)`, [clientId, jobId]);
    const queue = new Queue(QueueName.Backup, { connection: { url: redis.url }, prefix: redis.prefix });
    const worker = new Worker(QueueName.Backup, async () => {
      throw jobFailureError({ code: FailureCode.Permanent, message: 'logon as alice refused' }, { retry: false });
    }, { connection: { url: redis.url }, prefix: redis.prefix });
    try {
      await new BackupJobProducer(queue).enqueue({ clientId, runId: 'x', trigger: 'schedule', slot: slot.toISOString(), full: false });
      const deadline = Date.now() + 15_000;
      while ((await queue.getJobState(jobId)) !== 'failed' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await worker.close();
      await queue.close();
    }
  }

  it('sends nothing before settings exist, then run-failed and not-backed-up alerts, signed, to the configured webhook', async () => {
    const client = await app!.get(ClientRepository).create({ name: 'ws-alert', hostname: 'ws-alert' });
    await failBackup(client.id, 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await app!.get(AlertingLifecycle).check();
    expect(hooks).toEqual([]);

    await app!.get(AlertSettingsRepository).save({
      serverName: 'alerting test',
      webhooks: [{ url: httpUrl, secretSealed: app!.get(SecretBox).seal('hook-secret-1'), types: [] }],
      notBackedUpDays: 2,
      enabledTypes: ['run-failed', 'not-backed-up'],
    });
    await failBackup(client.id, 2);
    await waitForHooks(1);
    expect(hooks).toHaveLength(1);
    const failed = JSON.parse(hooks[0]!.body);
    expect(failed).toMatchObject({ type: 'run-failed', server: 'alerting test' });
    expect(hooks[0]!.body).toContain('ws-alert');
    expect(verifyWebhook('hook-secret-1', hooks[0]!.headers['x-backtrac-signature'] as string, hooks[0]!.headers['x-backtrac-timestamp'] as string, hooks[0]!.body, Math.floor(Date.now() / 1000))).toBe(true);

    // Created three days ago and never backed up: overdue once, not again on the next check.
    await db.dataSource.query(`UPDATE clients SET created_at = now() - interval '3 days' WHERE id = $1`, [client.id]);
    await app!.get(AlertingLifecycle).check();
    await app!.get(AlertingLifecycle).check();
    expect(hooks).toHaveLength(2);
    expect(JSON.parse(hooks[1]!.body)).toMatchObject({ type: 'not-backed-up' });
  });

  it('sends the daily digest once per day and a verify-corruption alert from a verify job\'s report', async () => {
    hooks.length = 0;
    await app!.get(AlertSettingsRepository).save({ digestHour: 0, enabledTypes: ['daily-digest', 'verify-corruption'], timeZone: 'UTC' });
    await app!.get(AlertingLifecycle).check();
    await app!.get(AlertingLifecycle).check();
    expect(hooks).toHaveLength(1);
    const digest = JSON.parse(hooks[0]!.body);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(digest).toMatchObject({ type: 'daily-digest' });
    expect(hooks[0]!.body).toContain(yesterday);
    expect(hooks[0]!.body).toContain('ws-alert');

    const queue = new Queue(QueueName.Maintenance, { connection: { url: redis.url }, prefix: redis.prefix });
    const worker = new Worker(QueueName.Maintenance, async (job) => (job.id!.startsWith('verify:clean')
      ? { checked: 10, bytes: 100, corrupt: [] }
      : { checked: 10, bytes: 100, corrupt: [{ file: 'pool/ab/cd/abcd', expected: 'ab'.repeat(32), actual: 'cd'.repeat(32), quarantinedTo: 'x' }] }),
    { connection: { url: redis.url }, prefix: redis.prefix });
    try {
      const producer = new MaintenanceJobProducer(queue);
      await producer.enqueue(JobName.Verify, { fraction: 1 }, new Date(Date.UTC(2030, 0, 1)), 'clean');
      await producer.enqueue(JobName.Verify, { fraction: 1 }, new Date(Date.UTC(2030, 0, 2)));
      await waitForHooks(2);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await worker.close();
      await queue.close();
    }
    expect(hooks).toHaveLength(2);
    expect(JSON.parse(hooks[1]!.body)).toMatchObject({ type: 'verify-corruption' });
    expect(hooks[1]!.body).toContain('pool/ab/cd/abcd');
  });
});
