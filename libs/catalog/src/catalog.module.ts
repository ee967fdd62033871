import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SecretBox } from './crypto/secret-box.js';
import { createCatalogDataSource, describeConnectionError } from './data-source.js';
import {
  AuditLogRepository, ClientRepository, RetentionPolicyRepository, ScheduleRepository, SessionRepository, ShareRepository,
  UserRepository,
} from './repositories/catalog.repositories.js';
import { BackupRunRepository } from './repositories/backup-run.repository.js';
import { FileVersionRepository, SnapshotRepository } from './repositories/run.repositories.js';
import { SnapshotCatalogRepository } from './repositories/snapshot-catalog.repository.js';
import { SnapshotExpiryRepository } from './repositories/snapshot-expiry.repository.js';
import { AlertSettingsRepository } from './repositories/alert-settings.repository.js';
import { AgentAdminRepository } from './repositories/agent-admin.repository.js';
import { AgentRepository } from './repositories/agent.repository.js';
import { RetentionCatalogRepository } from './repositories/retention-catalog.repository.js';
import { RestoreRepository } from './repositories/restore.repository.js';

export interface CatalogModuleOptions {
  databaseUrl: string;
  secretKey: Buffer;
  applicationName: string;
  /** Only the api migrates; other services wait for the schema it creates. */
  runMigrations?: boolean;
}

/** Thrown at start-up when Postgres cannot be reached; its message is meant for an admin. */
export class CatalogUnavailableError extends Error {
  override name = 'CatalogUnavailableError';
}

const repositories = [
  UserRepository, SessionRepository, ClientRepository, ShareRepository, ScheduleRepository, RetentionPolicyRepository,
  AuditLogRepository, SnapshotCatalogRepository, BackupRunRepository, SnapshotRepository, FileVersionRepository,
  SnapshotExpiryRepository, AlertSettingsRepository, AgentAdminRepository, AgentRepository, RetentionCatalogRepository, RestoreRepository,
];

@Injectable()
class CatalogLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

export async function openCatalog(options: CatalogModuleOptions): Promise<DataSource> {
  const dataSource = createCatalogDataSource({ databaseUrl: options.databaseUrl, applicationName: options.applicationName });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new CatalogUnavailableError(describeConnectionError(options.databaseUrl, error));
  }
  if (options.runMigrations) {
    const applied = await dataSource.runMigrations();
    if (applied.length > 0) new Logger('Catalog').log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  }
  return dataSource;
}

@Global()
@Module({})
export class CatalogModule {
  static forRoot(options: CatalogModuleOptions): DynamicModule {
    return {
      module: CatalogModule,
      providers: [
        { provide: DataSource, useFactory: () => openCatalog(options) },
        { provide: SecretBox, useValue: new SecretBox(options.secretKey) },
        CatalogLifecycle,
        ...repositories,
      ],
      exports: [DataSource, SecretBox, ...repositories],
    };
  }
}
