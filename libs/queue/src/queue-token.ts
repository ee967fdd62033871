import type { QueueName } from './queue-names.js';

/** Nest injection token of a queue's BullMQ Queue (producers inject it). */
export const queueToken = (name: QueueName): string => `backtrac:queue:${name}`;
