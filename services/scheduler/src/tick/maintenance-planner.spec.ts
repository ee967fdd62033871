import { JobName, maintenanceJobId } from '@backtrac/queue';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAINTENANCE, dueMaintenance } from './maintenance-planner.js';

describe('maintenance planner', () => {
  it('gives the latest slot of each job with a BullMQ-safe deterministic id', () => {
    const now = new Date('2026-01-14T10:00:00Z'); // a Wednesday
    expect(dueMaintenance(DEFAULT_MAINTENANCE, now).map((d) => d.jobId)).toEqual([
      'prune:all:20260114T073000Z',
      'gc:all:20260114T080000Z',
      'verify:all:20260111T090000Z', // last Sunday
    ]);
    // Before 07:30 the prune slot is yesterday's, the same id as the ticks of yesterday produced.
    expect(dueMaintenance(DEFAULT_MAINTENANCE, new Date('2026-01-14T07:00:00Z'))[0]!.jobId).toBe('prune:all:20260113T073000Z');
    expect(maintenanceJobId(JobName.Fsck, new Date('2026-01-14T07:00:00Z')).split(':')).toHaveLength(3);
  });
});
