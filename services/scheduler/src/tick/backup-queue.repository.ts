import { type BackupJobPayload, JobName, QueueName } from '@backtrac/queue';
import { type Job, type JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BackupQueue, FailedBackup } from './scheduler.ports.js';

const IN_FLIGHT: JobType[] = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'];

/** The producer side of the BullMQ `backup` queue. */
export class BackupQueueRepository implements BackupQueue {
  /** Wraps the `backup` queue (QueueModule provides it under queueToken(QueueName.Backup)). */
  constructor(readonly queue: Queue<BackupJobPayload>) {}

  static create(connection: Redis, prefix: string): BackupQueueRepository {
    return new BackupQueueRepository(new Queue<BackupJobPayload>(QueueName.Backup, { connection, prefix }));
  }

  async inFlightClientIds(): Promise<string[]> {
    const jobs = await this.queue.getJobs(IN_FLIGHT);
    return [...new Set(jobs.filter((j): j is Job<BackupJobPayload> => Boolean(j)).map((j) => j.data.clientId))];
  }

  async enqueue(jobId: string, payload: BackupJobPayload, priority: number): Promise<boolean> {
    // add is atomic: when the id is taken (in any state) it stores nothing. It still returns a
    // Job built from our arguments, so read back the stored data to learn who was first.
    await this.queue.add(JobName.Backup, payload, {
      jobId,
      priority,
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: { age: 7 * 86_400 },
    });
    const stored = await this.queue.getJob(jobId);
    return stored?.data.runId === payload.runId;
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
