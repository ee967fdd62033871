import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '../../../../test/harness/redis.js';
import { JobName } from '../jobs.js';
import { QueueModule } from '../queue.module.js';
import { QueueName } from '../queue-names.js';
import { BackupJobProducer } from './backup-job.producer.js';
import { MaintenanceJobProducer } from './maintenance-job.producer.js';

describe('job producers as a service gets them from QueueModule, against real Redis', () => {
  let redis: TestRedis;
  let app: INestApplicationContext;

  beforeAll(async () => {
    redis = createTestRedis();
    @Module({ imports: [QueueModule.forRoot({ redisUrl: redis.url, prefix: redis.prefix })] })
    class ProducersTestModule {}
    app = await NestFactory.createApplicationContext(ProducersTestModule, { logger: false });
  });

  afterAll(async () => {
    await app?.close();
    await redis?.cleanup();
  });

  it('stores a backup under its deterministic id with retries, exponential backoff, retention and priority', async () => {
    const producer = app.get(BackupJobProducer);
    const payload = { clientId: 'c1', runId: 'run-1', trigger: 'schedule' as const, slot: '2030-01-01T02:00:00.000Z', full: false };
    expect(await producer.enqueue(payload, { priority: 7 })).toEqual({ jobId: 'backup:c1:20300101T020000Z', created: true });

    const stored = await producer.queue.getJob('backup:c1:20300101T020000Z');
    expect(stored?.name).toBe(JobName.Backup);
    expect(stored?.data).toEqual(payload);
    expect(stored?.opts).toMatchObject({
      attempts: 4,
      backoff: { type: 'exponential', delay: 30_000 },
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: { age: 30 * 86_400 },
      priority: 7,
    });

    // A second scheduler (or a retry after a crash) with its own run id stores nothing and learns it lost.
    expect(await producer.enqueue({ ...payload, runId: 'run-2' })).toEqual({ jobId: 'backup:c1:20300101T020000Z', created: false });
    expect((await producer.queue.getJob('backup:c1:20300101T020000Z'))?.data.runId).toBe('run-1');
  });

  it('has a transient failure retried by BullMQ after the backoff, not failed', async () => {
    const producer = app.get(BackupJobProducer);
    const payload = { clientId: 'c2', runId: 'run-3', trigger: 'manual' as const, slot: '2030-01-01T03:00:00.250Z', full: true };
    const { jobId } = await producer.enqueue(payload);
    const worker = new Worker(QueueName.Backup, async () => {
      throw new Error('connection reset');
    }, { connection: { url: redis.url }, prefix: redis.prefix });
    try {
      let state = await producer.queue.getJobState(jobId);
      for (let i = 0; i < 400 && state !== 'delayed' && state !== 'failed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        state = await producer.queue.getJobState(jobId);
      }
      expect(state).toBe('delayed');
      const job = await producer.queue.getJob(jobId);
      expect(job?.attemptsMade).toBe(1);
      // The first retry waits the base delay (30 s), counted from the failure.
      expect(job!.delay).toBeGreaterThanOrEqual(29_000);
    } finally {
      await worker.close();
    }
  });

  it('stores a maintenance slot once, under <name>:<scope>:<slot>, kept past a weekly period', async () => {
    const producer = app.get(MaintenanceJobProducer);
    const slot = new Date('2030-01-06T09:00:00Z');
    expect(await producer.enqueue(JobName.Verify, { fraction: 0.1 }, slot)).toBe('verify:all:20300106T090000Z');
    expect(await producer.enqueue(JobName.Verify, { fraction: 0.5 }, slot)).toBe('verify:all:20300106T090000Z');
    const jobs = (await producer.queue.getJobs(['waiting', 'prioritized', 'delayed'])).filter(Boolean);
    expect(jobs.map((job) => [job.name, job.id, job.data])).toEqual([[JobName.Verify, 'verify:all:20300106T090000Z', { fraction: 0.1 }]]);
    expect(jobs[0]!.opts).toMatchObject({ attempts: 1, removeOnComplete: { age: 8 * 86_400 }, removeOnFail: { age: 8 * 86_400 } });
  });
});
