import { ClientRepository, RetentionCatalogRepository, RetentionPolicyRepository, ScheduleRepository } from '@backtrac/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/postgres.js';
import { RetentionService } from './retention.service.js';

describe('retention plan from the real catalog', () => {
  let db: TestDatabase;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    const clients = new ClientRepository(db.dataSource);
    const policies = new RetentionPolicyRepository(db.dataSource);
    const schedules = new ScheduleRepository(db.dataSource);
    for (const n of ['alpha', 'beta', 'gamma']) ids[n] = (await clients.create({ name: n, hostname: n })).id;
    const weekly = await policies.create({ name: 'last 3 + 2 weekly', keepLast: 3, keepWeekly: 2 });
    const tight = await policies.create({ name: 'nothing', keepLast: 0 });
    await schedules.create({ name: 'global', cron: '0 2 * * *', timezone: 'Europe/Paris', retentionPolicyId: weekly.id });
    await schedules.create({ name: 'gamma own', cron: '0 3 * * *', timezone: 'UTC', clientId: ids.gamma!, retentionPolicyId: tight.id });
    // alpha: 14 daily snapshots (Mon 2026-01-05 .. Sun 2026-01-18), seq 1..14; seq 2 is pinned, seq 14 partial.
    for (let i = 0; i < 14; i++) {
      await db.dataSource.query(
        `INSERT INTO snapshots (client_id, seq, partial, pinned, completed_at) VALUES ($1, $2, $3, $4, $5)`,
        [ids.alpha, i + 1, i === 13, i === 1, new Date(Date.UTC(2026, 0, 5 + i, 1, 30))],
      );
    }
    // An expired snapshot is not considered again.
    await db.dataSource.query(`INSERT INTO snapshots (client_id, seq, completed_at, expired_at) VALUES ($1, 0, '2026-01-01T00:00:00Z', now())`, [ids.alpha]);
    for (let i = 0; i < 3; i++) {
      await db.dataSource.query(`INSERT INTO snapshots (client_id, seq, completed_at) VALUES ($1, $2, $3)`, [ids.gamma, i + 1, new Date(Date.UTC(2026, 0, 10 + i))]);
    }
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('applies the global policy, a client-own policy, and none', async () => {
    const plans = await new RetentionService(new RetentionCatalogRepository(db.dataSource)).plan(new Date('2026-01-19T12:00:00Z'));
    const byName = (n: string) => plans.find((p) => p.clientId === ids[n])!;
    const seqOf = async (snapshotIds: string[]) =>
      ((await db.dataSource.query(`SELECT seq FROM snapshots WHERE id = ANY($1) ORDER BY seq`, [snapshotIds])) as { seq: number }[]).map((r) => r.seq);

    const alpha = byName('alpha');
    expect(alpha.policy).toMatchObject({ name: 'last 3 + 2 weekly', timeZone: 'Europe/Paris' });
    // Good ones newest first: 13, 12, 11 (last 3); weekly: week of Jan 12 -> 13, week of Jan 5 -> 7;
    // 2 pinned; 14 is partial and not kept by any rule.
    expect(await seqOf(alpha.plan.keep.map((k) => k.snapshot.id))).toEqual([2, 7, 11, 12, 13]);
    expect(await seqOf(alpha.plan.delete.map((k) => k.snapshot.id))).toEqual([1, 3, 4, 5, 6, 8, 9, 10, 14]);

    const gamma = byName('gamma');
    expect(gamma.policy).toMatchObject({ name: 'nothing', timeZone: 'UTC' });
    expect(await seqOf(gamma.plan.keep.map((k) => k.snapshot.id))).toEqual([3]); // the newest good always stays
    expect(gamma.plan.delete).toHaveLength(2);

    expect(byName('beta')).toMatchObject({ plan: { keep: [], delete: [] } });
  });

  it('a client without any policy keeps everything', async () => {
    await db.dataSource.query(`UPDATE schedules SET retention_policy_id = NULL`);
    const [alpha] = await new RetentionService(new RetentionCatalogRepository(db.dataSource)).plan(new Date('2026-01-19T12:00:00Z'), ids.alpha);
    expect(alpha!.policy).toBeNull();
    expect(alpha!.plan.keep).toHaveLength(14);
    expect(alpha!.plan.delete).toEqual([]);
  });
});
