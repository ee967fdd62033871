import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { ClientRepository } from './catalog.repositories.js';
import { FileVersionRepository } from './run.repositories.js';
import { type CatalogChange, type CatalogEntry, SnapshotCatalogRepository } from './snapshot-catalog.repository.js';

const t0 = Date.UTC(2025, 0, 1);
const file = (parent: string, name: string, size: number, mtime = t0): CatalogEntry => ({
  parent, name, type: 'file', size, mtime, mode: 0o644, sha256: String(size).padStart(64, '0'), linkTarget: null,
});

describe('find by name across snapshots (real Postgres)', () => {
  let db: TestDatabase;
  let clientId: string;
  let otherId: string;
  let versions: FileVersionRepository;

  async function snapshot(id: string, seq: number, changes: CatalogChange[]): Promise<void> {
    await new SnapshotCatalogRepository(db.dataSource).recordSnapshot(
      { clientId: id, seq, runId: null, kind: 'incremental', partial: false, fileCount: 0, totalBytes: 0, createdAt: new Date(), completedAt: new Date() },
      (async function* () {
        yield* changes;
      })(),
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const clients = new ClientRepository(db.dataSource);
    clientId = (await clients.create({ name: 'finder', hostname: 'finder' })).id;
    otherId = (await clients.create({ name: 'other', hostname: 'other' })).id;
    versions = new FileVersionRepository(db.dataSource);
    const names = ['Report-2024.xlsx', 'report-2025.XLSX', 'report.txt', 'summary.xlsx', '100% done.txt', '100x done.txt', 'a_b.txt', 'axb.txt', 'back\\slash.txt', 'Prüfung.txt'];
    await snapshot(clientId, 1, [
      ...names.map((name, i): CatalogChange => ({ kind: 'added', entry: file('share/docs', name, i + 1) })),
      { kind: 'added', entry: file('share/old', 'report-2024.xlsx', 99) },
      { kind: 'added', entry: { ...file('share', 'reports', 0), type: 'dir', sha256: null } },
    ]);
    await snapshot(clientId, 2, [{ kind: 'changed', entry: file('share/docs', 'Report-2024.xlsx', 1000, t0 + 1000) }]);
    await snapshot(clientId, 3, [{ kind: 'removed', parent: 'share/old', name: 'report-2024.xlsx' }]);
    await snapshot(clientId, 4, [{ kind: 'changed', entry: file('share/docs', 'Report-2024.xlsx', 2000, t0 + 2000) }]);
    await snapshot(otherId, 1, [{ kind: 'added', entry: file('share/docs', 'report-2024.xlsx', 5) }]);
  });

  afterAll(async () => {
    await db?.drop();
  });

  const find = (query: string, limit = 100, offset = 0) => versions.find({ clientId, query, limit, offset });
  const paths = async (query: string) => (await find(query)).hits.map((h) => `${h.parent}/${h.name}`);

  it('matches a glob over the whole name, case-insensitively, with every version of each hit', async () => {
    const result = await find('report*.xlsx');
    expect(result.total).toBe(3);
    expect(result.hits.map((h) => `${h.parent}/${h.name}`)).toEqual(['share/docs/Report-2024.xlsx', 'share/docs/report-2025.XLSX', 'share/old/report-2024.xlsx']);
    expect(result.hits[0]!.versions.map((v) => [v.firstSeq, v.lastSeq, v.size, v.mtime.getTime()])).toEqual([
      [1, 2, 1, t0],
      [2, 4, 1000, t0 + 1000],
      [4, null, 2000, t0 + 2000],
    ]);
    expect(result.hits[2]!.versions.map((v) => [v.firstSeq, v.lastSeq])).toEqual([[1, 3]]);
  });

  it('matches plain text anywhere in the name, directories included', async () => {
    // Ordered by parent, then name: the folder share/reports sorts before the files under share/docs.
    expect(await paths('EPOR')).toEqual(['share/reports', 'share/docs/Report-2024.xlsx', 'share/docs/report-2025.XLSX', 'share/docs/report.txt', 'share/old/report-2024.xlsx']);
    expect(await paths('prüf')).toEqual(['share/docs/Prüfung.txt']);
    expect(await paths('?eport.txt')).toEqual(['share/docs/report.txt']);
  });

  it('treats LIKE wildcards and the escape character in the query as text', async () => {
    expect(await paths('100%')).toEqual(['share/docs/100% done.txt']);
    expect(await paths('a_b')).toEqual(['share/docs/a_b.txt']);
    expect(await paths('back\\slash')).toEqual(['share/docs/back\\slash.txt']);
    expect(await paths('\\')).toEqual(['share/docs/back\\slash.txt']);
    expect(await paths("'; DROP TABLE file_versions; --")).toEqual([]);
    expect((await find('*')).total).toBe(12);
  });

  it('pages through the hits in path order and counts them all', async () => {
    const all = await paths('*');
    const seen: string[] = [];
    for (let offset = 0; offset < 20; offset += 4) {
      const page = await find('*', 4, offset);
      expect(page.total).toBe(12);
      seen.push(...page.hits.map((h) => `${h.parent}/${h.name}`));
    }
    expect(seen).toEqual(all);
    expect(await find('*', 4, 100)).toEqual({ hits: [], total: 12 });
  });

  it("never answers from another client's catalog", async () => {
    const other = await versions.find({ clientId: otherId, query: 'report', limit: 10, offset: 0 });
    expect(other.hits.map((h) => h.versions.map((v) => v.size))).toEqual([[5]]);
  });

  it('uses the trigram index for a name match on a large catalog', async () => {
    await db.dataSource.query(
      `INSERT INTO file_versions (client_id, parent, name, type, size, mtime, first_seq)
       SELECT c, 'share/d' || (i % 500), 'file-' || i || '.dat', 'file', i, now(), 1
         FROM unnest($1::uuid[]) c, generate_series(1, 100000) i`,
      [[clientId, otherId]],
    );
    await db.dataSource.query('ANALYZE file_versions');
    const plan = (await db.dataSource.query(
      `EXPLAIN SELECT parent, name FROM file_versions WHERE client_id = $1 AND name ILIKE $2 ESCAPE '\\' GROUP BY parent, name`,
      [clientId, '%report%'],
    )) as { 'QUERY PLAN': string }[];
    expect(plan.map((line) => line['QUERY PLAN']).join('\n')).toContain('ix_file_versions_name_trgm');
    expect((await find('file-4242.')).hits.map((h) => h.name)).toEqual(['file-4242.dat']);
  });
});
