export { QueueName } from './queue-names.js';
export * from './jobs.js';
export * from './events.js';
export { createRedisConnection } from './redis-connection.js';
export { QueueModule, QUEUE_OPTIONS, REDIS, queueToken, type QueueModuleOptions } from './queue.module.js';
export { BackupJobProducer, BACKUP_ATTEMPTS, BACKUP_BACKOFF_DELAY, BACKUP_BACKOFF_DELAY_MS, type EnqueuedBackup } from './producers/backup-job.producer.js';
export { MaintenanceJobProducer, type MaintenanceJobName } from './producers/maintenance-job.producer.js';
export * from './failure-codes.js';
export { OnJob, jobHandlersOf, assertEveryJobHandled, servedQueueProviders, JobHandlerError, JOB_HANDLERS_CHECKED, type JobHandler, type ServedQueue } from './job-handlers.js';
