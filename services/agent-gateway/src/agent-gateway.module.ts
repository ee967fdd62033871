import { type DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@backtrac/config';
import { CatalogModule } from '@backtrac/catalog';
import { QueueModule, REDIS } from '@backtrac/queue';
import { HealthController, postgresAndRedisReadiness, structuredLogging } from '@backtrac/runtime';
import { AgentRpcModule } from './rpc/index.js';

@Module({})
export class AgentGatewayModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AgentGatewayModule,
      imports: [
        structuredLogging(config),
        CatalogModule.forRoot({ databaseUrl: config.DATABASE_URL, secretKey: config.SECRET_KEY, applicationName: 'backtrac-agent-gateway' }),
        QueueModule.forRoot({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX }),
        AgentRpcModule.forRoot({
          secretKey: config.SECRET_KEY,
          allowUnsolicitedEnrolment: config.GATEWAY_ALLOW_UNSOLICITED_ENROLMENT,
          heartbeatSeconds: config.AGENT_HEARTBEAT_SECONDS,
        }),
      ],
      controllers: [HealthController],
      providers: [postgresAndRedisReadiness(DataSource, REDIS)],
    };
  }
}
