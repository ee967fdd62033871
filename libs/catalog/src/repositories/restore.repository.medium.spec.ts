import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { ClientRepository, ShareRepository } from './catalog.repositories.js';
import { RestoreRepository, type NewRestore } from './restore.repository.js';
import { SnapshotExpiryRepository } from './snapshot-expiry.repository.js';
import { SecretBox } from '../crypto/secret-box.js';

describe('RestoreRepository (real Postgres)', () => {
  let db: TestDatabase;
  let repo: RestoreRepository;
  let clientId: string;
  let otherId: string;
  let shareId: string;
  const counters = { restored: 3, skipped: 2, renamed: 1, failed: 0, removed: 4, bytes: 5_000_000_000 };

  const request = (extra: Partial<NewRestore> = {}): NewRestore => ({
    clientId, seq: 1, asOf: null, paths: [], target: null, policy: 'overwrite', mirror: false, verifyReadBack: false, requestedBy: 'user:u1', ...extra,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    repo = new RestoreRepository(db.dataSource);
    const clients = new ClientRepository(db.dataSource);
    clientId = (await clients.create({ name: 'src', hostname: 'src' })).id;
    otherId = (await clients.create({ name: 'dst', hostname: 'dst' })).id;
    shareId = (await new ShareRepository(db.dataSource, new SecretBox(Buffer.alloc(32, 7))).createForClient(otherId, { name: 'docs', url: 'smb://h/docs' })).id;
    // Snapshots 1..4: 3 is partial, all completed a day apart.
    for (const seq of [1, 2, 3, 4]) {
      await db.dataSource.query(`INSERT INTO snapshots (client_id, seq, partial, completed_at) VALUES ($1, $2::int, $3, timestamptz '2026-01-01' + ($2::int * interval '1 day'))`, [clientId, seq, seq === 3]);
    }
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('resolves "as of" to the newest complete snapshot finished at or before the time', async () => {
    expect(await repo.newestGoodSnapshotAt(clientId, new Date('2026-01-03T12:00:00Z'))).toBe(2);
    // seq 3 (Jan 4) is partial: still seq 2.
    expect(await repo.newestGoodSnapshotAt(clientId, new Date('2026-01-04T00:00:00Z'))).toBe(2);
    expect(await repo.newestGoodSnapshotAt(clientId, new Date('2026-01-05T00:00:00Z'))).toBe(4);
    expect(await repo.newestGoodSnapshotAt(clientId, new Date('2025-12-31T00:00:00Z'))).toBeNull();
    expect(await repo.newestGoodSnapshotAt(otherId, new Date('2027-01-01T00:00:00Z'))).toBeNull();
  });

  it('records a request, runs it, keeps its counters and log, and finishes it', async () => {
    const created = (await repo.create(request({ paths: ['docs/a'], target: { clientId: otherId, shareId, path: 'x/y' }, policy: 'rename', mirror: true })))!;
    expect(created).toMatchObject({ state: 'queued', attempts: 0, targetClientId: otherId, targetShareId: shareId, targetPath: 'x/y', policy: 'rename', mirror: true, startedAt: null });
    const running = (await repo.markRunning(created.id))!;
    expect(running).toMatchObject({ state: 'running', attempts: 1 });
    expect(running.startedAt).toBeInstanceOf(Date);
    await repo.setTotals(created.id, 10, 6_000_000_000);
    await repo.saveCounters(created.id, counters);
    await repo.appendLog(created.id, [{ level: 'info', message: 'one' }, { level: 'error', message: 'two', path: 'docs/a/b' }]);
    // A retry after a transient fault goes back to queued and runs again as attempt 2, same start time.
    await repo.requeue(created.id, 'connection reset');
    expect((await repo.findById(created.id))!).toMatchObject({ state: 'queued', error: 'connection reset' });
    const again = (await repo.markRunning(created.id))!;
    expect(again).toMatchObject({ state: 'running', attempts: 2, error: null, startedAt: running.startedAt });
    await repo.finish(created.id, 'partial', { counters: { ...counters, failed: 1 } });
    const done = (await repo.findById(created.id))!;
    expect(done).toMatchObject({ state: 'partial', restored: 3, skipped: 2, renamed: 1, failed: 1, removed: 4, bytes: '5000000000', filesTotal: 10, bytesTotal: '6000000000' });
    expect(done.finishedAt).toBeInstanceOf(Date);
    // Finished: neither started again nor cancelled.
    expect(await repo.markRunning(created.id)).toBeNull();
    expect((await repo.requestCancel(created.id))!.state).toBe('partial');
    const lines = await repo.logLines(created.id, undefined, 10);
    expect(lines.map((l) => [l.level, l.message, l.path])).toEqual([['info', 'one', null], ['error', 'two', 'docs/a/b']]);
    expect((await repo.logLines(created.id, lines[0]!.id, 10)).map((l) => l.message)).toEqual(['two']);
  });

  it('cancels a queued restore at once and flags a running one for its worker', async () => {
    const queued = (await repo.create(request()))!;
    const cancelled = (await repo.requestCancel(queued.id))!;
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.finishedAt).toBeInstanceOf(Date);
    expect(await repo.markRunning(queued.id), 'a cancelled restore never starts').toBeNull();

    const running = (await repo.create(request()))!;
    await repo.markRunning(running.id);
    expect(await repo.cancelRequested(running.id)).toBe(false);
    const flagged = (await repo.requestCancel(running.id))!;
    expect(flagged.state).toBe('running');
    expect(await repo.cancelRequested(running.id)).toBe(true);
    // A worker picking the job up again after a crash does not run it either.
    expect(await repo.markRunning(running.id)).toBeNull();
    await repo.finish(running.id, 'cancelled', {});
    expect((await repo.findById(running.id))!.state).toBe('cancelled');
    expect(await repo.requestCancel('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('lists newest first with a total, per client', async () => {
    const page = await repo.list({ clientId, limit: 2, offset: 0 });
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(2);
    expect(page.items[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(page.items[1]!.createdAt.getTime());
    expect((await repo.list({ clientId, limit: 2, offset: 2 })).items).toHaveLength(1);
    expect((await repo.list({ clientId: otherId, limit: 10, offset: 0 })).total).toBe(0);
  });

  it('holds its snapshot against prune while queued or running, and refuses an expired snapshot', async () => {
    const expiry = new SnapshotExpiryRepository(db.dataSource);
    const [{ id: snapshot1 }] = (await db.dataSource.query(`SELECT id FROM snapshots WHERE client_id = $1 AND seq = 1`, [clientId])) as { id: string }[];
    const holding = (await repo.create(request({ seq: 1 })))!;
    expect(await expiry.expire(snapshot1!)).toMatchObject({ expired: false, refused: 'restoring', seq: 1 });
    await repo.markRunning(holding.id);
    expect(await expiry.expire(snapshot1!)).toMatchObject({ expired: false, refused: 'restoring' });
    await repo.finish(holding.id, 'succeeded', {});
    expect(await expiry.expire(snapshot1!)).toMatchObject({ expired: true, seq: 1 });
    expect(await repo.create(request({ seq: 1 })), 'an expired snapshot cannot be restored').toBeNull();
    expect(await repo.create(request({ seq: 99 }))).toBeNull();
  });
});
