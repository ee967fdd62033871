import { type DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@backtrac/config';
import { CatalogModule } from '@backtrac/catalog';
import { QueueModule, REDIS } from '@backtrac/queue';
import { HealthController, postgresAndRedisReadiness, structuredLogging } from '@backtrac/runtime';

@Module({})
export class CopyWorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CopyWorkerModule,
      imports: [
        structuredLogging(config),
        CatalogModule.forRoot({ databaseUrl: config.DATABASE_URL, secretKey: config.SECRET_KEY, applicationName: 'backtrac-copy-worker' }),
        QueueModule.forRoot({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX }),
      ],
      controllers: [HealthController],
      providers: [postgresAndRedisReadiness(DataSource, REDIS)],
    };
  }
}
