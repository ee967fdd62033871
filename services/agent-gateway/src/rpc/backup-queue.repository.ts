import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { createRedisConnection, JobName, QueueName, type BackupJobPayload } from '@backtrac/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AGENT_RPC_OPTIONS, type ResolvedAgentRpcOptions } from './agent-rpc.options.js';

/** Producer side of the backup queue, for backups agents ask for. */
@Injectable()
export class BackupQueueRepository implements OnModuleDestroy {
  private connection: Redis | undefined;
  private queue: Queue | undefined;

  constructor(@Inject(AGENT_RPC_OPTIONS) private readonly options: ResolvedAgentRpcOptions) {}

  private open(): Queue {
    if (!this.queue) {
      const connection = createRedisConnection(this.options.redisUrl);
      this.connection = connection;
      this.queue = new Queue(QueueName.Backup, { connection, prefix: this.options.redisPrefix });
    }
    return this.queue;
  }

  /** Adds the job under its deterministic id; adding an id that exists is a no-op in BullMQ. */
  async enqueue(jobId: string, payload: BackupJobPayload): Promise<void> {
    await this.open().add(JobName.Backup, payload, { jobId, removeOnComplete: 1000, removeOnFail: 1000 });
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue?.close();
    this.connection?.disconnect();
  }
}
