import { BackupJobProducer, type BackupJobPayload, type FailureCode, QueueName, readJobFailure } from '@backtrac/queue';
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

  async listFailed(codes: readonly FailureCode[]): Promise<FailedBackup[]> {
    const failed: FailedBackup[] = [];
    for (const job of await this.queue.getFailed()) {
      if (!job?.id) continue;
      const { code, message } = readJobFailure(job.failedReason);
      if (!codes.includes(code)) continue;
      failed.push({ jobId: job.id, clientId: job.data.clientId, attemptsMade: job.attemptsMade, failedAt: new Date(job.finishedOn ?? job.timestamp), code, message });
    }
    return failed;
  }

  async retry(jobId: string): Promise<void> {
    const job = await this.queue.getJob(jobId);
    if (job && (await job.isFailed())) await job.retry('failed');
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
