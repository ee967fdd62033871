import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/postgres.js';
import { SecretBox } from './crypto/secret-box.js';
import { ClientRepository, ShareRepository } from './repositories/catalog.repositories.js';
import { FileVersion } from './entities/index.js';

describe('catalog schema and repositories (real Postgres)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('migrations leave no pending change and synchronize would change nothing', async () => {
    expect(await db.dataSource.showMigrations()).toBe(false);
    const pending = await db.dataSource.driver.createSchemaBuilder().log();
    // uuid defaults come from gen_random_uuid(), which TypeORM reports the same way under pgcrypto.
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('stores share passwords sealed and opens them only with the key', async () => {
    const box = new SecretBox(randomBytes(32));
    const clients = new ClientRepository(db.dataSource);
    const shares = new ShareRepository(db.dataSource, box);
    const client = await clients.create({ name: 'ws-01', hostname: 'ws-01.lan' });
    const share = await shares.createForClient(client.id, { name: 'docs', url: 'smb://ws-01/docs', username: 'bob', password: 'p@ss' });
    const [raw] = await db.dataSource.query('SELECT password_sealed FROM shares WHERE id = $1', [share.id]);
    expect(raw.password_sealed).not.toContain('p@ss');
    expect(shares.openPassword((await shares.findById(share.id))!)).toBe('p@ss');
    await shares.updateShare(share.id, { password: null });
    expect((await shares.findById(share.id))!.passwordSealed).toBeNull();
  });

  it('keeps at most one open version per path', async () => {
    const client = await new ClientRepository(db.dataSource).create({ name: 'ws-02', hostname: 'ws-02' });
    const versions = db.dataSource.getRepository(FileVersion);
    const row = { clientId: client.id, parent: 'docs', name: 'a.txt', type: 'file' as const, size: '1', mtime: new Date(), firstSeq: 1, lastSeq: null };
    await versions.insert(row);
    await expect(versions.insert({ ...row, firstSeq: 2 })).rejects.toThrow(/duplicate key/);
    await versions.update({ clientId: client.id, parent: 'docs', name: 'a.txt' }, { lastSeq: 2 });
    await versions.insert({ ...row, firstSeq: 2 });
    expect(await versions.countBy({ clientId: client.id })).toBe(2);
  });
});
