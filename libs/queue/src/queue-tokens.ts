import type { QueueName } from './queue-names.js';

export const REDIS = Symbol('REDIS');
export const QUEUE_OPTIONS = Symbol('QUEUE_OPTIONS');
export const queueToken = (name: QueueName): string => `backtrac:queue:${name}`;
