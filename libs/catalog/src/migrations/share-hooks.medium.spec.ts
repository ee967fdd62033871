import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';

describe('migration ShareHooks1764200000000 (real Postgres)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('turns every pre/post command into a hook name and tells the admin what to declare on the agent', async () => {
    // Back to the schema before this migration, with shares carrying commands as they did then.
    const applied = async () => ((await db.dataSource.query(`SELECT name FROM catalog_migrations`)) as Array<{ name: string }>).map((m) => m.name);
    while ((await applied()).includes('ShareHooks1764200000000')) await db.dataSource.undoLastMigration();
    const [client] = (await db.dataSource.query(`INSERT INTO clients (name, hostname) VALUES ('ws-01', 'ws-01.lan') RETURNING id`)) as Array<{ id: string }>;
    await db.dataSource.query(
      `INSERT INTO shares (client_id, name, url, pre_command, post_command) VALUES
        ($1, 'db dump', 'smb://ws-01/db', 'pg_dump app > /srv/db/app.sql', 'rm /srv/db/app.sql'),
        ($1, 'db-dump', 'smb://ws-01/db2', 'mysqldump app > /srv/db2/app.sql', ''),
        ($1, 'docs', 'smb://ws-01/docs', '', '')`,
      [client!.id],
    );
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    let warnings: unknown[][];
    try {
      await db.dataSource.runMigrations();
    } finally {
      warnings = warn.mock.calls.filter((call) => String(call[0]).startsWith('shares of client'));
      warn.mockRestore();
    }
    const rows = (await db.dataSource.query(`SELECT name, pre_hook, post_hook FROM shares ORDER BY name`)) as Array<Record<string, string>>;
    expect(rows).toEqual([
      { name: 'db dump', pre_hook: 'db-dump-pre', post_hook: 'db-dump-post' },
      { name: 'db-dump', pre_hook: 'db-dump-pre-2', post_hook: '' },
      { name: 'docs', pre_hook: '', post_hook: '' },
    ]);
    const columns = (await db.dataSource.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'shares'`)) as Array<{ column_name: string }>;
    expect(columns.map((c) => c.column_name)).not.toContain('pre_command');
    expect(warnings).toHaveLength(1);
    const message = String(warnings[0]![0]);
    expect(message).toContain('client "ws-01"');
    const declared = JSON.parse(message.slice(message.indexOf('{'))) as Record<string, { command: string }>;
    expect(declared).toEqual({
      'db-dump-pre': { command: 'pg_dump app > /srv/db/app.sql' },
      'db-dump-post': { command: 'rm /srv/db/app.sql' },
      'db-dump-pre-2': { command: 'mysqldump app > /srv/db2/app.sql' },
    });
  });
});
