import { BackupJobProducer, type BackupJobPayload, QueueName } from '@backtrac/queue';
import { type Job, type JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BackupQueue, FailedBackup } from './scheduler.ports.js';

const IN_FLIGHT: JobType[] = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'];

/** The scheduler's view of the BullMQ `backup` queue; jobs go in through BackupJobProducer. */
export class BackupQueueRepository implements BackupQueue {
  constructor(private readonly producer: BackupJobProducer) {}

  /**
   * A repository with its own queue handle on `connection` (one per scheduler process in tests);
   * `backoffDelayMs` shortens BullMQ's retry delays.
   */
  static create(connection: Redis, prefix: string, backoffDelayMs?: number): BackupQueueRepository {
    return new BackupQueueRepository(new BackupJobProducer(new Queue<BackupJobPayload>(QueueName.Backup, { connection, prefix }), backoffDelayMs));
  }

  get queue(): Queue<BackupJobPayload> {
    return this.producer.queue;
  }

  async inFlightClientIds(): Promise<string[]> {
    const jobs = await this.queue.getJobs(IN_FLIGHT);
    return [...new Set(jobs.filter((j): j is Job<BackupJobPayload> => Boolean(j)).map((j) => j.data.clientId))];
  }

  async enqueue(payload: BackupJobPayload, priority: number): Promise<boolean> {
    return (await this.producer.enqueue(payload, { priority })).created;
  }

  async listFailed(codes: readonly string[]): Promise<FailedBackup[]> {
    const jobs = await this.queue.getFailed();
    return jobs
      .filter((j): j is Job<BackupJobPayload> => Boolean(j?.id) && codes.some((c) => (j.failedReason ?? '').startsWith(c)))
      .map((j) => ({ jobId: j.id!, clientId: j.data.clientId, attemptsMade: j.attemptsMade, failedAt: new Date(j.finishedOn ?? j.timestamp), reason: j.failedReason }));
  }

  async retry(jobId: string): Promise<void> {
    const job = await this.queue.getJob(jobId);
    if (job && (await job.isFailed())) await job.retry('failed');
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
