import { type CatalogChange, type CatalogEntry, SnapshotCatalogRepository, createCatalogDataSource } from '@backtrac/catalog';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../harness/api-client.js';
import { type Stack, startStack } from '../harness/services.js';

const FILES = 100_000;
const SNAPSHOTS = 10;
const t0 = Date.UTC(2025, 2, 1);
const day = 86_400_000;

interface FoundVersion { firstSeq: number; lastSeq: number | null; type: string; size: number; mtime: string; sha256: string | null; downloadSeq: number | null }
interface FindHit { path: string; name: string; versions: FoundVersion[] }

const entry = (parent: string, name: string, size: number, mtime: number): CatalogEntry => ({
  parent, name, type: 'file', size, mtime, mode: 0o644, sha256: `${parent}/${name}/${size}`.padEnd(64, '0').slice(0, 64), linkTarget: null,
});

/**
 * Snapshot 1 holds 100,000 files in 200 folders; every later snapshot rewrites the quarterly
 * reports (one per folder of the first ten), adds a new weekly report and deletes the oldest one:
 * the change sets a copy worker's catalog sync would record.
 */
function* changesFor(seq: number): Generator<CatalogChange> {
  const mtime = t0 + seq * day;
  if (seq === 1) {
    for (let i = 0; i < FILES; i++) yield { kind: 'added', entry: entry(`data/dept${i % 200}`, `file-${i}.dat`, i, t0) };
    for (let d = 0; d < 10; d++) yield { kind: 'added', entry: entry(`data/dept${d}`, 'Report-Q.xlsx', 1000 + d, mtime) };
  } else {
    for (let d = 0; d < 10; d++) yield { kind: 'changed', entry: entry(`data/dept${d}`, 'Report-Q.xlsx', 1000 * seq + d, mtime) };
    yield { kind: 'removed', parent: 'data/weekly', name: `report-w${seq - 1}.xlsx` };
  }
  yield { kind: 'added', entry: entry('data/weekly', `report-w${seq}.xlsx`, seq, mtime) };
}

describe('find across snapshots (real api, Postgres; the catalog as a copy worker records it)', () => {
  let stack: Stack;
  let api: ApiClient;
  let catalog: DataSource;
  let clientId: string;
  let otherId: string;

  beforeAll(async () => {
    stack = await startStack({ services: ['api'] });
    api = new ApiClient(stack.apiUrl);
    expect((await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword })).status).toBe(200);
    clientId = (await api.call('POST', '/clients', { name: 'ws-find', hostname: 'ws-find.lan' })).json.id;
    otherId = (await api.call('POST', '/clients', { name: 'ws-other', hostname: 'ws-other.lan' })).json.id;
    catalog = createCatalogDataSource({ databaseUrl: stack.env.DATABASE_URL!, applicationName: 'backtrac-find-seed', poolSize: 2 });
    await catalog.initialize();
    const snapshots = new SnapshotCatalogRepository(catalog);
    for (let seq = 1; seq <= SNAPSHOTS; seq++) {
      const completedAt = new Date(t0 + seq * day);
      await snapshots.recordSnapshot(
        { clientId, seq, runId: null, kind: seq === 1 ? 'full' : 'incremental', partial: false, fileCount: FILES + 11, totalBytes: 0, createdAt: completedAt, completedAt },
        (async function* () {
          yield* changesFor(seq);
        })(),
      );
    }
    await snapshots.recordSnapshot(
      { clientId: otherId, seq: 1, runId: null, kind: 'full', partial: false, fileCount: 1, totalBytes: 5, createdAt: new Date(), completedAt: new Date() },
      (async function* () {
        yield { kind: 'added', entry: entry('data/dept0', 'Report-Q.xlsx', 5, t0) } satisfies CatalogChange;
      })(),
    );
    // Retention expired snapshot 1 (its row stays, its files are in trash): versions still list it, downloads cannot use it.
    await catalog.query('UPDATE snapshots SET expired_at = now() WHERE client_id = $1 AND seq = 1', [clientId]);
    await catalog.query('ANALYZE file_versions');
  }, 600_000);

  afterAll(async () => {
    if (catalog?.isInitialized) await catalog.destroy();
    await stack?.stop();
  });

  const find = async (q: string, extra = ''): Promise<{ hits: FindHit[]; total: number }> => {
    const response = await api.call('GET', `/clients/${clientId}/find?q=${encodeURIComponent(q)}${extra}`);
    expect(response.status, response.text).toBe(200);
    return response.json;
  };

  it('returns every version of a name across 10 snapshots, paged, on a 100,000-file client', async () => {
    const first = await find('report-q.XLSX', '&limit=4');
    expect(first.total).toBe(10);
    const hits = [...first.hits];
    for (let offset = 4; offset < first.total; offset += 4) hits.push(...(await find('report-q.XLSX', `&limit=4&offset=${offset}`)).hits);
    // Ordered by folder (text order: dept0, dept1, ... dept9), and each path exactly once.
    expect(hits.map((h) => h.path)).toEqual(Array.from({ length: 10 }, (_, d) => `data/dept${d}/Report-Q.xlsx`));
    for (const [d, hit] of hits.entries()) {
      expect(hit.name).toBe('Report-Q.xlsx');
      expect(hit.versions.map((v) => [v.firstSeq, v.lastSeq, v.size, Date.parse(v.mtime)])).toEqual(
        Array.from({ length: SNAPSHOTS }, (_, i) => [i + 1, i + 1 === SNAPSHOTS ? null : i + 2, i === 0 ? 1000 + d : 1000 * (i + 1) + d, t0 + (i + 1) * day]),
      );
      expect(hit.versions.map((v) => v.downloadSeq)).toEqual([null, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(hit.versions.every((v) => v.type === 'file' && v.sha256?.length === 64)).toBe(true);
    }
  });

  it('matches a glob over the whole name and plain text anywhere in it, case-insensitively', async () => {
    const weekly = await find('REPORT-W*.xlsx');
    expect(weekly.total).toBe(10);
    expect(weekly.hits.map((h) => [h.name, h.versions.map((v) => [v.firstSeq, v.lastSeq])])).toEqual(
      [1, 10, 2, 3, 4, 5, 6, 7, 8, 9].map((seq) => [`report-w${seq}.xlsx`, [[seq, seq === SNAPSHOTS ? null : seq + 1]]]),
    );
    expect((await find('report')).total).toBe(20);
    expect((await find('?eport-w1.xlsx')).hits.map((h) => h.path)).toEqual(['data/weekly/report-w1.xlsx']);
    expect((await find('file-4242.')).hits.map((h) => h.path)).toEqual(['data/dept42/file-4242.dat']);
    const all = await find('*', '&limit=3&offset=99990');
    expect(all.total).toBe(FILES + 20);
    expect(all.hits).toHaveLength(3);
  });

  it('takes hostile queries as text', async () => {
    expect(await find('%')).toEqual({ hits: [], total: 0 });
    expect(await find('_')).toEqual({ hits: [], total: 0 });
    expect(await find('\\')).toEqual({ hits: [], total: 0 });
    expect(await find("'; DELETE FROM file_versions; --")).toEqual({ hits: [], total: 0 });
    expect(await find('../../etc/passwd')).toEqual({ hits: [], total: 0 });
    expect((await find('report-q')).total).toBe(10);
  });

  it("answers only from the client's own catalog", async () => {
    const other = await api.call('GET', `/clients/${otherId}/find?q=report`);
    expect(other.json.hits.map((h: FindHit) => h.versions.map((v) => v.size))).toEqual([[5]]);
  });

  it('refuses a bad query with a 400 that says why, and an unknown client with a 404', async () => {
    const cases: [string, string][] = [
      ['', 'q must not be empty'],
      [`q=${'x'.repeat(1025)}`, 'q must be shorter than or equal to 1024 characters'],
      ['q=a&q=b', 'q must be a string'],
      ['q=a&limit=0', 'limit must not be less than 1'],
      ['q=a&limit=501', 'limit must not be greater than 500'],
      ['q=a&offset=-1', 'offset must not be less than 0'],
      ['q=a&limit=abc', 'limit must be an integer'],
    ];
    for (const [query, reason] of cases) {
      const response = await api.call('GET', `/clients/${clientId}/find?${query}`);
      expect(response.status, query).toBe(400);
      expect(JSON.stringify(response.json.message), query).toContain(reason);
    }
    expect((await api.call('GET', `/clients/00000000-0000-4000-8000-000000000000/find?q=a`)).status).toBe(404);
    expect((await new ApiClient(stack.apiUrl).call('GET', `/clients/${clientId}/find?q=a`)).status).toBe(401);
  });
});
