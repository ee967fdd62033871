import type { Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { READINESS_CHECKS, type ReadinessCheck } from './health.controller.js';

/**
 * Ready when Postgres and Redis answer. The tokens are passed in so this library does not depend
 * on the catalog or queue libraries.
 */
export function postgresAndRedisReadiness(dataSourceToken: unknown, redisToken: symbol): Provider {
  return {
    provide: READINESS_CHECKS,
    inject: [dataSourceToken as never, redisToken],
    useFactory: (dataSource: DataSource, redis: Redis): ReadinessCheck[] => [
      { name: 'postgres', check: async () => void (await dataSource.query('SELECT 1')) },
      { name: 'redis', check: async () => void (await redis.ping()) },
    ],
  };
}
