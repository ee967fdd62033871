import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { ClientRepository } from './catalog.repositories.js';
import { BackupRunRepository } from './backup-run.repository.js';
import { FileVersionRepository } from './run.repositories.js';

describe('run, snapshot and file-version reads (real Postgres)', () => {
  let db: TestDatabase;
  let clientId: string;
  let otherId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const clients = new ClientRepository(db.dataSource);
    clientId = (await clients.create({ name: 'big', hostname: 'big' })).id;
    otherId = (await clients.create({ name: 'other', hostname: 'other' })).id;
    // 200 directories of 250 files for one client (and the same for another), versions over 3
    // snapshots: f0..f99 changed in seq 2, f200..f249 deleted in seq 3.
    for (const id of [clientId, otherId]) {
      await db.dataSource.query(
        `INSERT INTO file_versions (client_id, parent, name, type, size, mtime, sha256, first_seq, last_seq)
         SELECT $1, 'share/d' || d, 'f' || lpad(f::text, 3, '0'), 'file', f * 10 + d, timestamptz '2025-01-01' + f * interval '1 minute',
                md5(d || '-' || f), 1, CASE WHEN f < 100 THEN 2 WHEN f >= 200 THEN 3 END
           FROM generate_series(0, 199) d, generate_series(0, 249) f`,
        [id],
      );
      await db.dataSource.query(
        `INSERT INTO file_versions (client_id, parent, name, type, size, mtime, sha256, first_seq)
         SELECT $1, 'share/d' || d, 'f' || lpad(f::text, 3, '0'), 'file', 5, timestamptz '2025-02-01', md5('v2' || d || '-' || f), 2
           FROM generate_series(0, 199) d, generate_series(0, 99) f`,
        [id],
      );
      await db.dataSource.query(
        `INSERT INTO file_versions (client_id, parent, name, type, size, mtime, first_seq)
         SELECT $1, 'share', 'd' || d, 'dir', 0, timestamptz '2025-01-01', 1 FROM generate_series(0, 199) d`,
        [id],
      );
    }
    await db.dataSource.query('ANALYZE file_versions');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('lists a directory as it was in each snapshot, paged and sorted', async () => {
    const versions = new FileVersionRepository(db.dataSource);
    const page = (seq: number, extra: Partial<Parameters<FileVersionRepository['listDirectory']>[0]> = {}) =>
      versions.listDirectory({ clientId, seq, parent: 'share/d7', limit: 1000, offset: 0, sort: 'name', order: 'asc', ...extra });
    expect((await page(1)).total).toBe(250);
    expect((await page(3)).total).toBe(200);
    const two = await page(2);
    expect(two.entries.find((e) => e.name === 'f050')).toMatchObject({ size: 5, firstSeq: 2, lastSeq: null });
    expect(two.entries.find((e) => e.name === 'f150')).toMatchObject({ size: 1507, firstSeq: 1, lastSeq: null });

    const seen: string[] = [];
    for (let offset = 0; offset < 250; offset += 64) seen.push(...(await page(1, { limit: 64, offset })).entries.map((e) => e.name));
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => `f${String(i).padStart(3, '0')}`));
    const bySize = (await page(1, { sort: 'size', order: 'desc', limit: 3 })).entries.map((e) => e.size);
    expect(bySize).toEqual([2497, 2487, 2477]);
    const root = await versions.listDirectory({ clientId, seq: 1, parent: 'share', limit: 5, offset: 0, sort: 'name', order: 'desc' });
    expect(root).toMatchObject({ total: 200 });
    expect(root.entries.map((e) => e.name)).toEqual(['d99', 'd98', 'd97', 'd96', 'd95']);
  });

  it('answers a listing from the directory index, not by scanning the table', async () => {
    const plan = (await db.dataSource.query(
      `EXPLAIN SELECT name FROM file_versions
        WHERE client_id = $1 AND first_seq <= 2 AND (last_seq IS NULL OR last_seq > 2) AND parent = 'share/d7'
        ORDER BY (type = 'dir') DESC, name ASC LIMIT 50 OFFSET 0`,
      [clientId],
    )) as { 'QUERY PLAN': string }[];
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toMatch(/ix_file_versions_(dir|open)/);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it('gives the history of one path across snapshots', async () => {
    const history = await new FileVersionRepository(db.dataSource).history(clientId, 'share/d3', 'f010');
    expect(history.map((v) => [v.firstSeq, v.lastSeq, v.size])).toEqual([[1, 2, 103], [2, null, 5]]);
  });

  it('records at most one queued run per client however many requests race', async () => {
    const runs = new BackupRunRepository(db.dataSource);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => runs.createIfIdle({ clientId: otherId, jobId: `backup:${otherId}:race-${i}`, kind: 'incremental', trigger: 'manual' })),
    );
    const created = results.filter((r) => 'run' in r);
    expect(created).toHaveLength(1);
    expect(results.filter((r) => 'busy' in r)).toHaveLength(7);
    const [{ count }] = (await db.dataSource.query(`SELECT count(*)::int AS count FROM backup_runs WHERE client_id = $1`, [otherId])) as { count: number }[];
    expect(count).toBe(1);
  });
});
