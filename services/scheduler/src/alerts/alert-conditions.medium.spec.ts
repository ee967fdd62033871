import { ClientRepository } from '@backtrac/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { AlertConditionsRepository } from './alert-conditions.repository.js';
import { offlineAgents, overdueClients } from '@backtrac/alerts';

describe('alert conditions from the real catalog', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('last good backup per client and agent heartbeats', async () => {
    const clients = new ClientRepository(db.dataSource);
    const a = await clients.create({ name: 'alpha', hostname: 'alpha' });
    const b = await clients.create({ name: 'beta', hostname: 'beta' });
    const now = new Date();
    const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
    const run = (client: string, job: string, state: string, finished: Date) =>
      db.dataSource.query(`INSERT INTO backup_runs (client_id, job_id, state, finished_at) VALUES ($1, $2, $3, $4)`, [client, job, state, finished]);
    await run(a.id, 'backup:a:1', 'succeeded', daysAgo(5));
    await run(a.id, 'backup:a:2', 'failed', daysAgo(1)); // a failure is not a good backup
    await run(b.id, 'backup:b:1', 'partial', daysAgo(1)); // partial counts as good
    await db.dataSource.query(`INSERT INTO agents (client_id, hostname, secret_hash, status, last_heartbeat_at) VALUES ($1, 'alpha.lan', 'x', 'approved', $2)`, [
      a.id,
      new Date(now.getTime() - 6 * 3_600_000),
    ]);
    await db.dataSource.query(`INSERT INTO agents (hostname, secret_hash, status) VALUES ('pending.lan', 'x', 'pending')`);

    const repo = new AlertConditionsRepository(db.dataSource);
    const statuses = await repo.clientStatuses();
    expect(statuses.map((s) => [s.clientName, Math.round((now.getTime() - s.lastGoodAt!.getTime()) / 86_400_000)])).toEqual([
      ['alpha', 5],
      ['beta', 1],
    ]);
    expect(overdueClients(statuses, 3, now).map((e) => e.clientName)).toEqual(['alpha']);
    // A client's own limit overrides the global one.
    await clients.update(a.id, { notBackedUpDays: 7 });
    expect(overdueClients(await repo.clientStatuses(), 3, now)).toEqual([]);
    const agents = await repo.agentHeartbeats();
    expect(agents.map((x) => [x.hostname, x.clientName, x.approved])).toEqual([
      ['alpha.lan', 'alpha', true],
      ['pending.lan', null, false],
    ]);
    expect(offlineAgents(agents, 4, now).map((e) => e.hostname)).toEqual(['alpha.lan']);
  });
});
