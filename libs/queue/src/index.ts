export { QueueName } from './queue-names.js';
export * from './jobs.js';
export * from './events.js';
export { createRedisConnection } from './redis-connection.js';
