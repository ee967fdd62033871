import { Redis, type RedisOptions } from 'ioredis';

/**
 * BullMQ needs maxRetriesPerRequest null on connections that block (workers); queues and
 * publishers use the same settings so one factory serves all.
 */
export function createRedisConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, ...extra });
}
