import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, type RestoreJobPayload } from '../jobs.js';
import { QueueName } from '../queue-names.js';
import { queueToken } from '../queue-tokens.js';

/**
 * One restore, one job: a second enqueue of the same restore (a retried request) is a no-op.
 * BullMQ accepts colons in a custom id only with exactly three parts, hence the client id too.
 */
export function restoreJobId(restore: { id: string; clientId: string }): string {
  if (restore.clientId.includes(':') || restore.id.includes(':')) throw new RangeError(`restore and client ids must not contain ":" (${restore.clientId}, ${restore.id})`);
  return `restore:${restore.clientId}:${restore.id}`;
}

/**
 * Transient faults (share unreachable, smbd restarting, a worker crash) are retried with backoff;
 * a retry continues where the last attempt stopped. Finished jobs are kept a while so the same
 * id is not run twice.
 */
export const restoreJobOptions = {
  attempts: 6,
  backoff: { type: 'exponential' as const, delay: 2_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** The only code that adds jobs to the `restore` queue. */
@Injectable()
export class RestoreJobProducer {
  constructor(@Inject(queueToken(QueueName.Restore)) private readonly queue: Queue<RestoreJobPayload>) {}

  async enqueue(restore: { id: string; clientId: string }): Promise<string> {
    const jobId = restoreJobId(restore);
    await this.queue.add(JobName.Restore, { restoreId: restore.id }, { ...restoreJobOptions, jobId });
    return jobId;
  }

  /** Drops a job that no worker has taken yet (a cancelled restore); false when it is running or gone. */
  async removeWaiting(restore: { id: string; clientId: string }): Promise<boolean> {
    const job = await this.queue.getJob(restoreJobId(restore));
    if (!job || (await job.isActive())) return false;
    try {
      await job.remove();
      return true;
    } catch {
      // Taken by a worker in between: the worker sees the cancellation instead.
      return false;
    }
  }
}
