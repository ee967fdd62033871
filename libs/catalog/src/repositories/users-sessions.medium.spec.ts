import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { SessionRepository, UserRepository } from './catalog.repositories.js';

describe('users and sessions (real Postgres)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates exactly one first admin when several api replicas try at once', async () => {
    const users = new UserRepository(db.dataSource);
    const created = await Promise.all(Array.from({ length: 6 }, (_, i) => users.createFirstAdmin(`admin${i}@backtrac.test`, 'hash')));
    expect(created.filter((user) => user !== null)).toHaveLength(1);
    expect(await users.count()).toBe(1);
    expect(await users.createFirstAdmin('late@backtrac.test', 'hash')).toBeNull();
  });

  it('purges expired sessions, and drops one that is found expired', async () => {
    const users = new UserRepository(db.dataSource);
    const sessions = new SessionRepository(db.dataSource);
    const user = (await users.findByEmail((await db.dataSource.query('SELECT email FROM users LIMIT 1'))[0].email))!;
    const [live, old, stale] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    await sessions.start(user.id, live, new Date(Date.now() + 3600_000));
    await sessions.start(user.id, old, new Date(Date.now() - 1000));
    await sessions.start(user.id, stale, new Date(Date.now() - 1000));
    const count = async () => Number((await db.dataSource.query('SELECT count(*)::int AS n FROM sessions'))[0].n);
    expect(await count()).toBe(3);
    expect(await sessions.findLive(stale)).toBeNull();
    expect(await count()).toBe(2);
    await sessions.purgeExpired();
    expect(await count()).toBe(1);
    expect((await sessions.findLive(live))?.userId).toBe(user.id);
  });
});
