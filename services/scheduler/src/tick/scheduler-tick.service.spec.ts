import { FailureCode, JobName, maintenanceJobId } from '@backtrac/queue';
import { describe, expect, it } from 'vitest';
import type { ScheduleSpec } from '../schedule/slot-decision.js';
import { InMemoryBackupQueue, InMemorySchedulerSource, InMemorySchedulerState } from './in-memory-scheduler.fakes.js';
import type { ScheduledClient } from './scheduler.ports.js';
import { SchedulerTickService, type TickOptions } from './scheduler-tick.service.js';

const at = (s: string) => new Date(s);
const nightly: ScheduleSpec = {
  id: 's',
  cron: '0 22 * * *',
  timeZone: 'UTC',
  windows: [{ start: '22:00', end: '02:00' }],
  blackouts: [],
  jitterSeconds: 0,
  fullEveryDays: null,
  activeSince: at('2026-01-01T00:00:00Z'),
};
const item = (clientId: string, lastGood: string | null, over: Partial<ScheduledClient['client']> = {}): ScheduledClient => ({
  schedule: nightly,
  client: { clientId, siteId: 'hq', lastSlot: null, lastGoodAt: lastGood ? at(lastGood) : null, lastFullAt: null, blocked: null, ...over },
});

function setup(items: ScheduledClient[], options: Partial<TickOptions> = {}, disk: { usedPct: number } | null = null) {
  let now = at('2026-01-10T22:00:00Z');
  const clock = () => now;
  const source = new InMemorySchedulerSource(items);
  const queue = new InMemoryBackupQueue();
  const state = new InMemorySchedulerState(clock);
  const statfs = disk ? { statfs: async () => ({ bsize: 4096, blocks: 100, bfree: 100 - disk.usedPct, bavail: 100 - disk.usedPct, files: 1e6, ffree: 1e6 }) } : null;
  const svc = new SchedulerTickService(source, queue, state, statfs, { caps: { global: 10 }, ...options }, clock);
  return { svc, source, queue, state, setNow: (s: string) => (now = at(s)) };
}

describe('SchedulerTickService (fakes, fake clock)', () => {
  it('enqueues due clients oldest-first once, with the deterministic id; a second tick adds nothing', async () => {
    const { svc, queue } = setup([item('b', '2026-01-09T22:30:00Z'), item('a', '2026-01-05T22:30:00Z'), item('n', null)]);
    const r = await svc.tick();
    expect(r.enqueued.map((e) => [e.clientId, e.jobId])).toEqual([
      ['n', 'backup:n:20260110T220000Z'],
      ['a', 'backup:a:20260110T220000Z'],
      ['b', 'backup:b:20260110T220000Z'],
    ]);
    expect(r.enqueued[0]!.full).toBe(true); // never backed up
    expect(queue.jobs.get('backup:a:20260110T220000Z')!.payload).toMatchObject({ clientId: 'a', trigger: 'schedule', slot: '2026-01-10T22:00:00.000Z', full: false });
    const again = await svc.tick();
    expect(again.enqueued).toEqual([]);
    expect(queue.jobs.size).toBe(3);
  });

  it('global cap counts running jobs; the rest follow on later ticks', async () => {
    const { svc, queue } = setup([item('a', '2026-01-01T00:00:00Z'), item('b', '2026-01-02T00:00:00Z'), item('c', '2026-01-03T00:00:00Z')], { caps: { global: 2 } });
    const first = await svc.tick();
    expect(first.enqueued.map((e) => e.clientId)).toEqual(['a', 'b']);
    expect(first.deferred).toEqual([{ jobId: 'backup:c:20260110T220000Z', clientId: 'c', reason: 'global-cap' }]);
    expect((await svc.tick()).enqueued).toEqual([]);
    queue.jobs.get('backup:a:20260110T220000Z')!.state = 'completed';
    expect((await svc.tick()).enqueued.map((e) => e.clientId)).toEqual(['c']);
  });

  it('disk guard tripped: nothing is enqueued, the decision is reported', async () => {
    const { svc, queue } = setup([item('a', null)], {}, { usedPct: 97 });
    const r = await svc.tick();
    expect(r.diskGuard?.tripped).toBe(true);
    expect(r.deferred).toEqual([{ jobId: 'backup:a:20260110T220000Z', clientId: 'a', reason: 'disk-guard' }]);
    expect(queue.jobs.size).toBe(0);
  });

  it('agent offline: retried with doubling backoff, given up when the next try would miss the window', async () => {
    const { svc, source, setNow, queue } = setup([item('a', null, { blocked: 'agent-offline' })], { retry: { baseSeconds: 2400, maxSeconds: 14_400 } });
    const r1 = await svc.tick(); // 22:00
    expect(r1.blocked).toEqual([{ jobId: 'backup:a:20260110T220000Z', clientId: 'a', reason: 'agent-offline', attempts: 1, nextAt: at('2026-01-10T22:40:00Z'), gaveUp: false }]);
    setNow('2026-01-10T22:10:00Z');
    expect((await svc.tick()).blocked[0]).toMatchObject({ attempts: 1, nextAt: at('2026-01-10T22:40:00Z') });
    setNow('2026-01-10T22:40:00Z');
    expect((await svc.tick()).blocked[0]).toMatchObject({ attempts: 2, nextAt: at('2026-01-11T00:00:00Z') });
    setNow('2026-01-11T00:00:00Z');
    // The 3rd wait (160 min) would end at 02:40, after the window closes at 02:00: give up this slot.
    expect((await svc.tick()).blocked[0]).toMatchObject({ attempts: 3, nextAt: null, gaveUp: true });
    setNow('2026-01-11T00:05:00Z');
    expect((await svc.tick()).blocked[0]).toMatchObject({ attempts: 3, gaveUp: true });
    expect(queue.jobs.size).toBe(0);
    source.items[0]!.client.blocked = null;
    setNow('2026-01-11T00:15:00Z');
    expect((await svc.tick()).enqueued.map((e) => e.clientId)).toEqual(['a']); // agent back: runs
    expect(queue.jobs.size).toBe(1);
  });

  it('agent back before giving up: the backup starts on the next tick', async () => {
    const { svc, source, setNow } = setup([item('a', null, { blocked: 'share-unreachable' })]);
    expect((await svc.tick()).blocked).toHaveLength(1);
    source.items[0]!.client.blocked = null;
    setNow('2026-01-10T22:01:00Z');
    expect((await svc.tick()).enqueued).toHaveLength(1);
  });

  it('retries a job that failed with SHARE_UNREACHABLE after the backoff, within the window', async () => {
    const { svc, queue, setNow } = setup([item('a', '2026-01-09T22:30:00Z')], { retry: { baseSeconds: 600, maxSeconds: 3600 } });
    await svc.tick();
    const job = queue.jobs.get('backup:a:20260110T220000Z')!;
    Object.assign(job, { state: 'failed', code: FailureCode.ShareUnreachable, message: 'smb://ws/a', attemptsMade: 1, failedAt: at('2026-01-10T22:05:00Z') });
    setNow('2026-01-10T22:10:00Z');
    expect((await svc.tick()).retried).toEqual([]);
    setNow('2026-01-10T22:15:00Z');
    expect((await svc.tick()).retried).toEqual([{ jobId: 'backup:a:20260110T220000Z', clientId: 'a', attemptsMade: 1 }]);
    expect(job.state).toBe('waiting');
    Object.assign(job, { state: 'failed', code: FailureCode.Unexpected, message: 'disk', attemptsMade: 2, failedAt: at('2026-01-10T22:20:00Z') });
    setNow('2026-01-10T23:59:00Z');
    expect((await svc.tick()).retried).toEqual([]); // not a retryable code
  });

  it('hands the maintenance slots to the maintenance queue, even when the disk guard holds backups', async () => {
    const enqueued: string[] = [];
    const { svc } = setup([item('a', null)], {
      maintenance: { specs: [{ name: JobName.Prune, cron: '30 7 * * *', timeZone: 'UTC', payload: {} }], queue: { enqueue: async (name, _payload, slot) => {
      const id = maintenanceJobId(name, slot);
      enqueued.push(id);
      return id;
    } } },
    }, { usedPct: 99 });
    const r = await svc.tick();
    expect(r.maintenance).toEqual(['prune:all:20260110T073000Z']);
    expect(enqueued).toEqual(['prune:all:20260110T073000Z']);
    expect(r.enqueued).toEqual([]);
  });

  it('does nothing while another scheduler holds the lease', async () => {
    const items = [item('a', null)];
    const { svc, state } = setup(items);
    await state.tryLock('someone-else', 60_000);
    expect(await svc.tick()).toMatchObject({ ran: false, enqueued: [] });
  });
});
