import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AlertDeliveryModule } from '@backtrac/alerts';
import type { AppConfig } from '@backtrac/config';
import { CatalogModule } from '@backtrac/catalog';
import { QueueModule, REDIS } from '@backtrac/queue';
import { RetentionModule } from '@backtrac/retention';
import { HealthController, postgresAndRedisReadiness, structuredLogging } from '@backtrac/runtime';
import { AgentsController } from './agents/agents.controller.js';
import { AgentsService } from './agents/agents.service.js';
import { AlertSettingsController } from './alerts/alert-settings.controller.js';
import { AlertSettingsService } from './alerts/alert-settings.service.js';
import { AuthController } from './auth/auth.controller.js';
import { AuthService } from './auth/auth.service.js';
import { SessionGuard } from './auth/session.guard.js';
import { BackupsModule } from './backups/backups.module.js';
import { ClientsController } from './clients/clients.controller.js';
import { ClientsService } from './clients/clients.service.js';
import { API_CONFIG } from './common/api-config.js';
import { LoginThrottleRepository } from './auth/login-throttle.repository.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { RestoresModule } from './restores/restores.module.js';
import { RetentionPoliciesController } from './retention/retention-policies.controller.js';
import { RetentionPoliciesService } from './retention/retention-policies.service.js';
import { RetentionDryRunService } from './retention/retention-dry-run.service.js';
import { SchedulesController } from './schedules/schedules.controller.js';
import { SchedulesService } from './schedules/schedules.service.js';
import { SharesController } from './shares/shares.controller.js';
import { SharesService } from './shares/shares.service.js';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        structuredLogging(config),
        CatalogModule.forRoot({ databaseUrl: config.DATABASE_URL, secretKey: config.SECRET_KEY, applicationName: 'backtrac-api', runMigrations: true }),
        QueueModule.forRoot({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX }),
        BackupsModule.forRoot(config),
        RetentionModule,
        // The test alert is a one-off send: the in-memory ledger throttles nothing that matters.
        AlertDeliveryModule.forRoot({ allowPrivateWebhooks: config.WEBHOOK_ALLOW_PRIVATE_ADDRESSES }),
        RestoresModule,
      ],
      controllers: [HealthController, AuthController, ClientsController, SharesController, SchedulesController, RetentionPoliciesController, AlertSettingsController, AgentsController],
      providers: [
        { provide: API_CONFIG, useValue: config },
        { provide: APP_GUARD, useClass: SessionGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        postgresAndRedisReadiness(DataSource, REDIS),
        AuthService,
        LoginThrottleRepository,
        ClientsService,
        SharesService,
        SchedulesService,
        RetentionPoliciesService,
        RetentionDryRunService,
        AlertSettingsService,
        AgentsService,
      ],
    };
  }
}
