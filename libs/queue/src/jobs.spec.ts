import { describe, expect, it } from 'vitest';
import { JobName, backupJobId, parseSlotStamp, queueOfJob, slotStamp } from './jobs.js';

describe('jobs', () => {
  it('gives the same backup job id for the same client and slot however the slot is written', () => {
    const a = backupJobId('c1', '2026-01-02T03:04:00+01:00');
    const b = backupJobId('c1', new Date(Date.UTC(2026, 0, 2, 2, 4)));
    expect(a).toBe('backup:c1:20260102T020400Z');
    // BullMQ accepts a custom id with colons only when it has exactly three parts.
    expect(a.split(':')).toHaveLength(3);
    expect(b).toBe(a);
    expect(backupJobId('c2', '2026-01-02T02:04:00Z')).not.toBe(a);
  });

  it('round-trips slot stamps', () => {
    expect(parseSlotStamp(slotStamp('2026-03-29T01:00:00Z')).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(() => parseSlotStamp('2026-03-29')).toThrow(RangeError);
    // Manual backups keep their milliseconds, so two requests a moment apart are two jobs.
    expect(slotStamp('2026-03-29T01:00:00.250Z')).toBe('20260329T010000.250Z');
    expect(parseSlotStamp('20260329T010000.250Z').toISOString()).toBe('2026-03-29T01:00:00.250Z');
  });

  it('routes every job name to a queue', () => {
    for (const name of Object.values(JobName)) expect(queueOfJob[name]).toBeDefined();
  });
});

describe('restore job ids', () => {
  it('are deterministic per restore and have the three parts BullMQ accepts', async () => {
    const { restoreJobId } = await import('./producers/restore-job.producer.js');
    const id = restoreJobId({ clientId: 'c1', id: 'r1' });
    expect(id).toBe('restore:c1:r1');
    expect(id.split(':')).toHaveLength(3);
    expect(() => restoreJobId({ clientId: 'c:1', id: 'r1' })).toThrow(RangeError);
  });
});
