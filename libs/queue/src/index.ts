export { QueueName } from './queue-names.js';
export * from './jobs.js';
export * from './events.js';
export { createRedisConnection } from './redis-connection.js';
export { QueueModule, QUEUE_OPTIONS, REDIS, queueToken, type QueueModuleOptions } from './queue.module.js';
export { RestoreJobProducer, restoreJobId, restoreJobOptions } from './producers/restore-job.producer.js';
