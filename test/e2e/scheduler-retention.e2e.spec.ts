import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobName, MaintenanceJobProducer, type PruneJobPayload, QueueName } from '@backtrac/queue';
import { fsck, HardlinkStore, restoreSnapshot } from '@backtrac/store';
import { BackupDriver } from '../harness/backups.js';
import { type SambaServer, startSamba } from '../harness/samba.js';
import { type Stack, startStack } from '../harness/services.js';
import { compareTrees, readTree } from '../harness/trees.js';

/**
 * The end-to-end proof: api, scheduler and copy worker as real processes; a schedule every
 * 10 seconds backs a Samba share up on its own; prune (carried out by the copy worker) keeps
 * exactly what the policy and a pin say; gc frees the pool; fsck is clean; restores compare bytes.
 */
describe('scheduled backups, retention, gc (real processes, smbd, Postgres, Redis)', () => {
  let work: string;
  let shareDir: string;
  let storeRoot: string;
  let samba: SambaServer;
  let stack: Stack;
  let driver: BackupDriver;
  let maintenance: Queue;
  let cookie: string;
  let clientId: string;
  let policyId: string;
  let scheduleId: string;

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: () => Promise<any> }> => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: () => response.json() };
  };

  const scheduledRuns = () =>
    driver.query<{ id: string; state: string; seq: number | null }>(`SELECT id, state, seq FROM backup_runs WHERE client_id = $1 AND trigger = 'schedule' ORDER BY queued_at`, [clientId]);

  async function runMaintenance(name: JobName.Prune | JobName.GarbageCollect, data: PruneJobPayload): Promise<any> {
    const job = (await maintenance.getJob(await new MaintenanceJobProducer(maintenance).enqueue(name, data, new Date(), `e2e${randomBytes(4).toString('hex')}`)))!;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const state = await job.getState();
      if (state === 'completed') return (await maintenance.getJob(job.id!))!.returnvalue;
      if (state === 'failed') throw new Error(`${name} failed: ${(await maintenance.getJob(job.id!))!.failedReason}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${name} did not finish`);
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bt-sched-e2e-'));
    shareDir = join(work, 'share');
    storeRoot = join(work, 'store');
    await mkdir(join(shareDir, 'docs'), { recursive: true });
    for (let f = 0; f < 20; f++) await writeFile(join(shareDir, 'docs', `f${f}.txt`), `stable file ${f}\n`.repeat(50));
    samba = await startSamba();
    await samba.addUser('carol', 'Carol-pass-1');
    await samba.addShare('demo', shareDir);
    stack = await startStack({
      services: ['api', 'scheduler', 'copy-worker'],
      env: { STORE_ROOT: storeRoot, SCHEDULER_TICK_SECONDS: '1', COPY_WORKER_CONCURRENCY: '1', LOG_LEVEL: 'warn' },
    });
    driver = await new BackupDriver(stack.env).connect();
    maintenance = new Queue(QueueName.Maintenance, { connection: { url: stack.env.REDIS_URL! }, prefix: stack.env.REDIS_PREFIX });
    const login = await fetch(`${stack.apiUrl}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: stack.adminEmail, password: stack.adminPassword }),
    });
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  }, 240_000);

  afterAll(async () => {
    await maintenance?.close();
    await driver?.close();
    await stack?.stop();
    await samba?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('enqueues the latest prune slot itself, and the copy worker runs it', async () => {
    // The scheduler enqueues the latest slot of each maintenance job at or before now (a nightly
    // prune at 07:30 UTC), so right after start there is one prune job, carried out at once.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const jobs = (await maintenance.getJobs(['completed', 'failed'])).filter((job) => job?.name === JobName.Prune);
      if (jobs.length > 0) {
        // One per slot: a second only if the test happens to straddle 07:30 UTC.
        for (const job of jobs) {
          expect(job.id).toMatch(/^prune:all:\d{8}T073000Z$/);
          expect(job.finishedOn).toBeGreaterThan(0);
          expect(job.returnvalue).toEqual({ dryRun: false, clients: [] });
        }
        break;
      }
      if (Date.now() > deadline) throw new Error('the scheduler enqueued no prune job');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  it('backs up on its own every 10 s, prunes to the policy plus a pin, frees the pool, and restores the kept snapshots', async () => {
    const client = await api('POST', '/api/clients', { name: 'demo-ws', hostname: 'demo-ws' });
    expect(client.status).toBe(201);
    clientId = (await client.json()).id;
    expect((await api('POST', `/api/clients/${clientId}/shares`, { name: 'demo', url: `smb://127.0.0.1:${samba.port}/demo`, username: 'carol', password: 'Carol-pass-1' })).status).toBe(201);
    const policy = await api('POST', '/api/retention-policies', { name: 'keep two', keepLast: 2 });
    expect(policy.status).toBe(201);
    policyId = (await policy.json()).id;
    const schedule = await api('POST', '/api/schedules', { name: 'every 10 s', clientId, cron: '*/10 * * * * *', timezone: 'UTC', retentionPolicyId: policyId });
    expect(schedule.status).toBe(201);
    scheduleId = (await schedule.json()).id;

    // Four scheduled runs; each one sees a new generation file and a changed file, so every
    // snapshot holds content no other snapshot has.
    const generations = new Map<number, Awaited<ReturnType<typeof readTree>>>();
    let generation = 0;
    const writeGeneration = async () => {
      generation += 1;
      await rm(join(shareDir, `gen-${generation - 1}.bin`), { force: true });
      await writeFile(join(shareDir, `gen-${generation}.bin`), randomBytes(256 * 1024));
      await writeFile(join(shareDir, 'docs', 'changing.txt'), `generation ${generation}\n`);
    };
    await writeGeneration();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const runs = await scheduledRuns();
      const done = runs.filter((r) => r.state === 'succeeded');
      if (done.length > generations.size && !runs.some((r) => ['queued', 'running'].includes(r.state))) {
        // The snapshot just finished holds the share as it is now; record it, then change the share.
        generations.set(done.at(-1)!.seq!, await readTree(shareDir));
        if (generations.size === 4) break;
        await writeGeneration();
      }
      expect(runs.filter((r) => r.state === 'failed')).toEqual([]);
      if (Date.now() > deadline) throw new Error(`only ${done.length} scheduled backups within 120 s: ${JSON.stringify(runs)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Stop the 10 s slots but keep the schedule enabled: a disabled schedule's policy does not apply.
    expect((await api('PATCH', `/api/schedules/${scheduleId}`, { cron: '0 0 1 1 *' })).status).toBe(200);
    // A slot may have been enqueued just before the change: let it finish.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const run of await scheduledRuns()) if (['queued', 'running'].includes(run.state)) await driver.waitFinished(run.id, 60_000);
    const finished = (await scheduledRuns()).filter((r) => r.state === 'succeeded').map((r) => r.seq!);
    expect(finished.length).toBeGreaterThanOrEqual(4);
    expect(finished).toEqual([...finished].sort((a, b) => a - b));
    const [first] = finished;
    const newestTwo = finished.slice(-2);

    // Pin the first snapshot through the api; the policy keeps the newest two.
    expect((await api('PATCH', `/api/clients/${clientId}/snapshots/${first}`, { pinned: true })).status).toBe(200);
    const dry = await api('GET', `/api/retention-policies/${policyId}/dry-run?clientId=${clientId}`);
    expect(dry.status).toBe(200);
    const plan = await dry.json();
    const expectedKept = [first!, ...newestTwo].sort((a, b) => a - b);
    const expectedDeleted = finished.filter((seq) => !expectedKept.includes(seq));
    expect(plan.keep.map((k: { seq: number }) => k.seq).sort((a: number, b: number) => a - b)).toEqual(expectedKept);
    expect(plan.delete.map((d: { seq: number }) => d.seq).sort((a: number, b: number) => a - b)).toEqual(expectedDeleted);
    expect(plan.keep.find((k: { seq: number }) => k.seq === first).reasons).toEqual([{ rule: 'pinned' }]);

    const pruned = await runMaintenance(JobName.Prune, {});
    expect(pruned.clients).toEqual([expect.objectContaining({ clientId, kept: expectedKept, deleted: expectedDeleted, refused: [] })]);
    const live = await driver.query<{ seq: number }>('SELECT seq FROM snapshots WHERE client_id = $1 AND expired_at IS NULL ORDER BY seq', [clientId]);
    expect(live.map((r) => r.seq)).toEqual(expectedKept);
    const store = await HardlinkStore.open(storeRoot);
    expect((await store.listSnapshots(clientId)).map((s) => s.seq)).toEqual(expectedKept);
    const listed = await (await api('GET', `/api/clients/${clientId}/snapshots`)).json();
    expect(listed.map((s: { seq: number }) => s.seq).sort((a: number, b: number) => a - b)).toEqual(expectedKept);

    expect((await readdir(join(storeRoot, 'trash'))).length).toBe(expectedDeleted.length);
    const freed = await runMaintenance(JobName.GarbageCollect, {});
    expect(freed.trashRemoved).toBe(expectedDeleted.length);
    // Each deleted snapshot alone held its 256 KiB generation file.
    expect(freed.bytesFreed).toBeGreaterThanOrEqual(expectedDeleted.length * 256 * 1024);
    expect(await readdir(join(storeRoot, 'trash'))).toEqual([]);
    expect((await fsck(store)).ok).toBe(true);

    for (const seq of expectedKept.filter((s) => generations.has(s))) {
      const target = join(work, `restore-${seq}`);
      await restoreSnapshot(store, clientId, seq, target);
      expect(compareTrees(generations.get(seq)!, await readTree(join(target, 'demo'))), `snapshot ${seq}`).toEqual([]);
    }
  });
});
