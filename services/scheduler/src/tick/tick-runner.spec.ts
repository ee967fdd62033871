import { describe, expect, it, vi } from 'vitest';
import type { SchedulerTickService, TickReport } from './scheduler-tick.service.js';
import { TickRunner } from './tick-runner.js';

const empty: TickReport = { ran: true, diskGuard: null, enqueued: [], waiting: [], deferred: [], blocked: [], retried: [], maintenance: [] };

describe('TickRunner', () => {
  it('never overlaps ticks, survives a failing tick, and waits for the running tick on stop', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tick = vi
      .fn<() => Promise<TickReport>>()
      .mockImplementationOnce(async () => {
        await gate;
        return empty;
      })
      .mockRejectedValueOnce(new Error('redis down'))
      .mockResolvedValue(empty);
    const reports: TickReport[] = [];
    const runner = new TickRunner({ tick } as unknown as SchedulerTickService, 60_000, (r) => void reports.push(r));
    const a = runner.runOnce();
    const b = runner.runOnce();
    expect(a).toBe(b);
    expect(tick).toHaveBeenCalledTimes(1);
    release();
    await a;
    await runner.runOnce(); // fails, logged, no throw
    await runner.runOnce();
    expect(tick).toHaveBeenCalledTimes(3);
    expect(reports).toHaveLength(2);
    runner.start();
    await runner.stop();
    expect(tick).toHaveBeenCalledTimes(4);
  });
});
