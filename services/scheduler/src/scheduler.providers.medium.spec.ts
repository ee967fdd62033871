import { randomBytes } from 'node:crypto';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CatalogModule, ClientRepository, ScheduleRepository } from '@backtrac/catalog';
import { QueueModule } from '@backtrac/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/postgres.js';
import { createTestRedis, type TestRedis } from '../../../test/harness/redis.js';
import { schedulerProviders } from './scheduler.providers.js';
import { BackupQueueRepository } from './tick/backup-queue.repository.js';
import { TickRunner } from './tick/tick-runner.js';

describe('scheduler providers wired with Nest (real Postgres and Redis)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let app: INestApplicationContext | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = createTestRedis();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await redis?.cleanup();
  });

  it('resolves every provider, and a tick enqueues a due client', async () => {
    const client = await new ClientRepository(db.dataSource).create({ name: 'ws', hostname: 'ws' });
    await new ScheduleRepository(db.dataSource).create({ name: 'm', cron: '* * * * *' });
    // Both made two minutes ago, so the every-minute slot at or before now is after their start.
    await db.dataSource.query(`UPDATE clients SET created_at = now() - interval '2 minutes'`);
    await db.dataSource.query(`UPDATE schedules SET created_at = now() - interval '2 minutes'`);
    @Module({
      imports: [
        CatalogModule.forRoot({ databaseUrl: db.url, secretKey: randomBytes(32), applicationName: 'scheduler-test' }),
        QueueModule.forRoot({ redisUrl: redis.url, prefix: redis.prefix }),
      ],
      providers: schedulerProviders({ tickSeconds: 3600, storeRoot: null, caps: { global: 2 }, maintenance: [] }),
    })
    class TestSchedulerModule {}
    app = await NestFactory.createApplicationContext(TestSchedulerModule, { logger: false });
    await app.init(); // starts the runner: the first tick runs at once
    await app.get(TickRunner).runOnce();
    const jobs = (await app.get(BackupQueueRepository).queue.getJobs(['waiting', 'prioritized'])).filter(Boolean);
    expect(jobs.map((j) => j.data.clientId)).toEqual([client.id]);
    expect(jobs[0]!.id).toMatch(new RegExp(`^backup:${client.id}:\\d{8}T\\d{6}Z$`));
  });
});
