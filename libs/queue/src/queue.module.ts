import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QueueName } from './queue-names.js';
import { BackupJobProducer } from './producers/backup-job.producer.js';
import { MaintenanceJobProducer } from './producers/maintenance-job.producer.js';
import { createRedisConnection } from './redis-connection.js';
import { RestoreJobProducer } from './producers/restore-job.producer.js';
import { QUEUE_OPTIONS, REDIS, queueToken } from './queue-tokens.js';

export { QUEUE_OPTIONS, REDIS, queueToken };

export interface QueueModuleOptions {
  redisUrl: string;
  prefix: string;
}

@Injectable()
class QueueLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(queueToken(QueueName.Backup)) private readonly backup: Queue,
    @Inject(queueToken(QueueName.Restore)) private readonly restore: Queue,
    @Inject(queueToken(QueueName.Maintenance)) private readonly maintenance: Queue,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.backup.close(), this.restore.close(), this.maintenance.close()]);
    this.redis.disconnect();
  }
}

/** One Redis connection, the three queues and their producers, shared by a whole service. */
@Global()
@Module({})
export class QueueModule {
  static forRoot(options: QueueModuleOptions): DynamicModule {
    const queues = Object.values(QueueName).map((name) => ({
      provide: queueToken(name),
      inject: [REDIS],
      useFactory: (connection: Redis) => new Queue(name, { connection, prefix: options.prefix }),
    }));
    return {
      module: QueueModule,
      providers: [
        { provide: QUEUE_OPTIONS, useValue: options },
        { provide: REDIS, useFactory: () => createRedisConnection(options.redisUrl) },
        ...queues,
        BackupJobProducer,
        MaintenanceJobProducer,
        RestoreJobProducer,
        QueueLifecycle,
      ],
      exports: [REDIS, QUEUE_OPTIONS, ...queues.map((queue) => queue.provide), BackupJobProducer, MaintenanceJobProducer, RestoreJobProducer],
    };
  }
}
