import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createCatalogDataSource } from '@backtrac/catalog';

/** Where tests find Postgres: TEST_DATABASE_URL, else the machine's local server. */
export const adminDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  /** A migrated catalog connection (initialised). */
  dataSource: DataSource;
  drop(): Promise<void>;
}

function urlFor(database: string): string {
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name; the caller owns it. */
export async function createEmptyDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `bt_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    url: urlFor(name),
    name,
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** A fresh, migrated catalog database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyDatabase();
  const dataSource = createCatalogDataSource({ databaseUrl: empty.url, applicationName: 'backtrac-test', poolSize: 4 });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    ...empty,
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await empty.drop();
    },
  };
}
