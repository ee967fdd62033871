import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  url: string;
  /** A key prefix no other test file uses (pass it to BullMQ's `prefix` and REDIS_PREFIX). */
  prefix: string;
  /** Deletes every key under the prefix. */
  cleanup(): Promise<void>;
}

export function createTestRedis(): TestRedis {
  const prefix = `bt_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  return {
    url: testRedisUrl,
    prefix,
    async cleanup() {
      const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 2 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
