import { type JobPayloads, QueueName } from '@backtrac/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DueMaintenance, MaintenanceName } from './maintenance-planner.js';

/** Producer side of the `maintenance` queue. */
export class MaintenanceQueueRepository {
  constructor(readonly queue: Queue<JobPayloads[MaintenanceName]>) {}

  static create(connection: Redis, prefix: string): MaintenanceQueueRepository {
    return new MaintenanceQueueRepository(new Queue(QueueName.Maintenance, { connection, prefix }));
  }

  async enqueue(job: DueMaintenance): Promise<void> {
    // Completed ids are kept 8 days so a daily or weekly slot is never run twice.
    await this.queue.add(job.name, job.payload, { jobId: job.jobId, removeOnComplete: { age: 8 * 86_400 }, removeOnFail: { age: 8 * 86_400 } });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
