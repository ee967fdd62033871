import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { catalogEntities } from './entities/index.js';
import { catalogMigrations } from './migrations/index.js';

export interface CatalogConnectionOptions {
  databaseUrl: string;
  /** Name shown in pg_stat_activity, e.g. the service name. */
  applicationName?: string;
  poolSize?: number;
}

/** The catalog's one DataSource factory: migrations only, `synchronize` is never on. */
export function createCatalogDataSource(options: CatalogConnectionOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.databaseUrl,
    applicationName: options.applicationName ?? 'backtrac',
    entities: catalogEntities,
    migrations: catalogMigrations,
    migrationsTableName: 'catalog_migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000 },
  });
}

/** Describes a connection failure in words an admin can act on, without the password. */
export function describeConnectionError(databaseUrl: string, error: unknown): string {
  let where = 'DATABASE_URL';
  try {
    const url = new URL(databaseUrl);
    where = `${url.hostname}:${url.port || '5432'}${url.pathname} (DATABASE_URL)`;
  } catch {
    // keep the generic name
  }
  const reason = error instanceof Error ? (error as NodeJS.ErrnoException).code ?? error.message : String(error);
  return `cannot connect to Postgres at ${where}: ${reason}`;
}
