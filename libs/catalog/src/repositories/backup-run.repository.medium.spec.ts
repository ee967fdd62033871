import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/postgres.js';
import { BackupRunRepository, isActiveRun, isGoodRun } from './backup-run.repository.js';
import { ClientRepository } from './catalog.repositories.js';

describe('the run lifecycle in one repository (real Postgres)', () => {
  let db: TestDatabase;
  let runs: BackupRunRepository;
  let alpha: string;
  let beta: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    runs = new BackupRunRepository(db.dataSource);
    const clients = new ClientRepository(db.dataSource);
    alpha = (await clients.create({ name: 'alpha', hostname: 'alpha' })).id;
    beta = (await clients.create({ name: 'beta', hostname: 'beta' })).id;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('names good and active states once', () => {
    expect(['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled'].filter((s) => isGoodRun(s as never))).toEqual(['succeeded', 'partial']);
    expect(['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled'].filter((s) => isActiveRun(s as never))).toEqual(['queued', 'running']);
  });

  it('records a queued run once per job id, whoever asks first', async () => {
    const first = await runs.recordQueued({ clientId: alpha, jobId: 'backup:alpha:20300101T000000Z', kind: 'incremental', trigger: 'schedule' });
    const second = await runs.recordQueued({ clientId: alpha, jobId: 'backup:alpha:20300101T000000Z', kind: 'full', trigger: 'agent' });
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, run: { id: first.run.id, kind: 'incremental', trigger: 'schedule', state: 'queued' } });
    expect(await runs.findActive(alpha)).toMatchObject({ id: first.run.id });
    expect(await runs.findForClient(alpha, first.run.id)).toMatchObject({ id: first.run.id });
    expect(await runs.findForClient(alpha, 'backup:alpha:20300101T000000Z')).toMatchObject({ id: first.run.id });
    expect(await runs.findForClient(beta, first.run.id)).toBeNull();
  });

  it('moves a run through running, a retry and a final state; only good runs count as last good', async () => {
    const { run } = await runs.recordQueued({ clientId: beta, jobId: 'backup:beta:20300101T000000Z', kind: 'incremental', trigger: 'schedule' });
    await runs.markRunning(run.id, 1, 'full');
    expect(await runs.findById(run.id)).toMatchObject({ state: 'running', seq: 1, kind: 'full', attempts: 1, clientName: 'beta' });
    await runs.finish(run.id, 'queued', { error: 'share unreachable' });
    expect(await runs.findById(run.id)).toMatchObject({ state: 'queued', finishedAt: null, error: 'share unreachable' });
    await runs.markRunning(run.id, 1, 'full');
    await runs.finish(run.id, 'partial', {});
    expect(await runs.findActive(beta)).toBeNull();

    const failed = await runs.recordQueued({ clientId: beta, jobId: 'backup:beta:20300102T000000Z', kind: 'incremental', trigger: 'manual' });
    await runs.markFailed(failed.run.id, 'logon refused');

    const stats = await runs.clientRunStats();
    const betaStats = stats.find((s) => s.clientId === beta)!;
    const partialAt = (await runs.findById(run.id))!.finishedAt;
    expect(betaStats).toEqual({ clientId: beta, lastGoodAt: partialAt, lastFullAt: partialAt, lastScheduledJobId: 'backup:beta:20300101T000000Z' });
    expect(stats.find((s) => s.clientId === alpha)).toEqual({ clientId: alpha, lastGoodAt: null, lastFullAt: null, lastScheduledJobId: 'backup:alpha:20300101T000000Z' });

    const outcomes = await runs.clientOutcomes();
    expect(outcomes).toEqual([{ clientId: beta, lastGoodAt: partialAt, lastState: 'failed' }]);
    expect((await runs.finishedSince(new Date(0))).map((r) => [r.clientName, r.state])).toEqual([
      ['beta', 'partial'],
      ['beta', 'failed'],
    ]);
  });

  it('finds a run with the size of the snapshot before the one it wrote', async () => {
    await db.dataSource.query(`INSERT INTO snapshots (client_id, seq, file_count, completed_at) VALUES ($1, 1, 1000, now())`, [alpha]);
    const { run } = await runs.recordQueued({ clientId: alpha, jobId: 'backup:alpha:20300103T000000Z', kind: 'incremental', trigger: 'manual' });
    expect(await runs.findByJobIdWithPrevious(run.jobId)).toMatchObject({ id: run.id, clientName: 'alpha', previousFiles: null });
    await runs.markRunning(run.id, 2, 'incremental');
    expect(await runs.findByJobIdWithPrevious(run.jobId)).toMatchObject({ id: run.id, seq: 2, previousFiles: 1000 });
    expect(await runs.findByJobIdWithPrevious('backup:nobody:x')).toBeNull();
  });
});
