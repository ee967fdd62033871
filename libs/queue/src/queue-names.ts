/** The three BullMQ queues; every job lives on exactly one. */
export const QueueName = {
  Backup: 'backup',
  Restore: 'restore',
  Maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];
