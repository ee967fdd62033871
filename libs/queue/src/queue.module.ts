import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QueueName } from './queue-names.js';
import { createRedisConnection } from './redis-connection.js';
import { RestoreJobProducer } from './producers/restore-job.producer.js';
import { queueToken } from './queue-token.js';

export { queueToken };

export const REDIS = Symbol('REDIS');

export interface QueueModuleOptions {
  redisUrl: string;
  prefix: string;
}

export const QUEUE_OPTIONS = Symbol('QUEUE_OPTIONS');

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

/** One Redis connection and the three producer queues, shared by a whole service. */
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
        QueueLifecycle,
        RestoreJobProducer,
      ],
      exports: [REDIS, QUEUE_OPTIONS, ...queues.map((queue) => queue.provide), RestoreJobProducer],
    };
  }
}
