import { Inject, Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { JobName, type JobPayloads, maintenanceJobId } from '../jobs.js';
import { QueueName } from '../queue-names.js';
import { queueToken } from '../queue-tokens.js';

export type MaintenanceJobName = JobName.Prune | JobName.GarbageCollect | JobName.Verify | JobName.Fsck | JobName.RebuildCatalog;

// Kept 8 days, longer than the weekly period, so enqueueing a daily or weekly slot again every
// tick stores nothing and the slot never runs twice.
const KEEP_FINISHED_S = 8 * 86_400;

/** The only producer of the `maintenance` queue. */
@Injectable()
export class MaintenanceJobProducer {
  constructor(@Inject(queueToken(QueueName.Maintenance)) readonly queue: Queue<JobPayloads[MaintenanceJobName]>) {}

  /**
   * The options a maintenance job is stored with. One attempt: the next slot runs the same work
   * again, and prune/gc/verify are safe to stop half-way.
   */
  jobOptions(name: MaintenanceJobName, slot: Date | string, scope = 'all'): JobsOptions {
    return { jobId: maintenanceJobId(name, slot, scope), attempts: 1, removeOnComplete: { age: KEEP_FINISHED_S }, removeOnFail: { age: KEEP_FINISHED_S } };
  }

  /**
   * Adds `name` for `slot` under `<name>:<scope>:<slot stamp>`; an id already present (any state)
   * stores nothing. Returns the job id.
   */
  async enqueue<N extends MaintenanceJobName>(name: N, payload: JobPayloads[N], slot: Date | string, scope = 'all'): Promise<string> {
    const options = this.jobOptions(name, slot, scope);
    await this.queue.add(name, payload, options);
    return options.jobId!;
  }
}
