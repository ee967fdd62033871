import { describe, expect, it } from 'vitest';
import { assignSchedules, type ScheduleRow, slotFromJobId, toScheduleSpec } from './schedule-assignment.js';

const at = (s: string) => new Date(s);
const row = (over: Partial<ScheduleRow>): ScheduleRow => ({
  id: 'g',
  clientId: null,
  cron: '0 22 * * *',
  timezone: 'Europe/Paris',
  windowStart: '21:00',
  windowEnd: '05:00',
  blackouts: [{ weekdays: [7], start: '23:00', end: '01:00' }],
  fullEveryDays: 30,
  jitterSeconds: 600,
  createdAt: at('2026-01-01T00:00:00Z'),
  ...over,
});

describe('schedule assignment from catalog rows', () => {
  it('maps a row to a spec: one window, ISO weekdays to 0 = Sunday', () => {
    expect(toScheduleSpec(row({}), at('2026-01-02T00:00:00Z'))).toEqual({
      id: 'g',
      cron: '0 22 * * *',
      timeZone: 'Europe/Paris',
      windows: [{ start: '21:00', end: '05:00' }],
      blackouts: [{ start: '23:00', end: '01:00', days: [0] }],
      jitterSeconds: 600,
      fullEveryDays: 30,
      activeSince: at('2026-01-02T00:00:00Z'),
    });
    expect(toScheduleSpec(row({ windowStart: null, blackouts: [{ weekdays: [], start: '12:00', end: '13:00' }] }), at('2026-01-02T00:00:00Z'))).toMatchObject({
      windows: [],
      blackouts: [{ start: '12:00', end: '13:00' }],
    });
  });

  it('own schedules replace the global ones; stats, last slot and agent status are attached', () => {
    const now = at('2026-01-10T12:00:00Z');
    const out = assignSchedules(
      [row({ id: 'g' }), row({ id: 'own', clientId: 'b' })],
      [
        { id: 'a', site: 'paris', createdAt: at('2026-01-05T00:00:00Z') },
        { id: 'b', site: 'lyon', createdAt: at('2025-01-01T00:00:00Z') },
        { id: 'c', site: 'paris', createdAt: at('2025-01-01T00:00:00Z') },
      ],
      [{ clientId: 'a', lastGoodAt: at('2026-01-09T23:00:00Z'), lastFullAt: null, lastScheduledJobId: 'backup:a:20260109T210000Z' }],
      [
        { clientId: 'a', lastHeartbeatAt: at('2026-01-10T11:58:00Z') },
        { clientId: 'c', lastHeartbeatAt: at('2026-01-10T10:00:00Z') },
      ],
      now,
      10 * 60_000,
    );
    expect(out.map((i) => [i.schedule.id, i.client.clientId])).toEqual([
      ['g', 'a'],
      ['own', 'b'],
      ['g', 'c'],
    ]);
    expect(out[0]!.client).toEqual({
      clientId: 'a',
      siteId: 'paris',
      lastSlot: at('2026-01-09T21:00:00Z'),
      lastGoodAt: at('2026-01-09T23:00:00Z'),
      lastFullAt: null,
      blocked: null,
    });
    expect(out[0]!.schedule.activeSince).toEqual(at('2026-01-05T00:00:00Z')); // the client is newer than the schedule
    expect(out[1]!.client.blocked).toBeNull(); // no agent: plain SMB client
    expect(out[2]!.client.blocked).toBe('agent-offline');
  });

  it('reads the slot back from a job id in basic or extended form', () => {
    expect(slotFromJobId('backup:c:20260109T210000Z')).toEqual(at('2026-01-09T21:00:00Z'));
    expect(slotFromJobId('backup:c:2026-01-09T21:00:00.000Z')).toEqual(at('2026-01-09T21:00:00Z'));
    expect(slotFromJobId('backup:c')).toBeNull();
    expect(slotFromJobId('backup:c:garbage')).toBeNull();
  });
});
