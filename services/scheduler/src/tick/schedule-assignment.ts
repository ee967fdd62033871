import type { ClientRunStats } from '@backtrac/catalog';
import { parseSlotStamp } from '../schedule/job-id.js';
import type { ScheduleSpec } from '../schedule/slot-decision.js';
import type { TimeWindow } from '../schedule/time-window.js';
import type { ScheduledClient } from './scheduler.ports.js';

/** The catalog's schedule row, reduced to what the scheduler reads. */
export interface ScheduleRow {
  id: string;
  clientId: string | null;
  cron: string;
  timezone: string;
  windowStart: string | null;
  windowEnd: string | null;
  /** ISO weekdays 1 (Monday) .. 7 (Sunday); empty = every day. */
  blackouts: { weekdays: number[]; start: string; end: string }[];
  fullEveryDays: number | null;
  jitterSeconds: number;
  createdAt: Date;
}

export interface ClientRow {
  id: string;
  site: string;
  createdAt: Date;
}

export interface AgentRow {
  clientId: string;
  lastHeartbeatAt: Date | null;
}

/** Slot from `backup:<client>:<stamp>`; accepts the basic stamp and, leniently, an extended ISO time. */
export function slotFromJobId(jobId: string): Date | null {
  const parts = jobId.split(':');
  if (parts.length < 3) return null;
  const rest = parts.slice(2).join(':');
  try {
    return parseSlotStamp(rest);
  } catch {
    const t = Date.parse(rest);
    return Number.isNaN(t) ? null : new Date(t);
  }
}

export function toScheduleSpec(row: ScheduleRow, activeSince: Date): ScheduleSpec {
  const windows: TimeWindow[] = row.windowStart && row.windowEnd ? [{ start: row.windowStart, end: row.windowEnd }] : [];
  return {
    id: row.id,
    cron: row.cron,
    timeZone: row.timezone,
    windows,
    blackouts: row.blackouts.map((b) => ({ start: b.start, end: b.end, ...(b.weekdays.length ? { days: b.weekdays.map((d) => d % 7) } : {}) })),
    jitterSeconds: row.jitterSeconds,
    fullEveryDays: row.fullEveryDays,
    activeSince,
  };
}

/**
 * Which schedule applies to which client: a client's own schedules, else every global one (a
 * schedule without client). An agent that has not called in for `agentOfflineAfterMs` blocks its
 * client; clients without an agent (plain SMB) are never blocked here.
 */
export function assignSchedules(
  schedules: readonly ScheduleRow[],
  clients: readonly ClientRow[],
  stats: readonly ClientRunStats[],
  agents: readonly AgentRow[],
  now: Date,
  agentOfflineAfterMs: number,
): ScheduledClient[] {
  const statOf = new Map(stats.map((s) => [s.clientId, s]));
  const heartbeat = new Map<string, Date | null>();
  for (const a of agents) {
    const prev = heartbeat.get(a.clientId);
    if (prev === undefined || (a.lastHeartbeatAt && (!prev || a.lastHeartbeatAt > prev))) heartbeat.set(a.clientId, a.lastHeartbeatAt);
  }
  const own = new Map<string, ScheduleRow[]>();
  const global: ScheduleRow[] = [];
  for (const s of schedules) {
    if (s.clientId === null) global.push(s);
    else own.set(s.clientId, [...(own.get(s.clientId) ?? []), s]);
  }
  const out: ScheduledClient[] = [];
  for (const c of clients) {
    const st = statOf.get(c.id);
    const hb = heartbeat.get(c.id);
    const offline = hb !== undefined && (!hb || now.getTime() - hb.getTime() > agentOfflineAfterMs);
    for (const s of own.get(c.id) ?? global) {
      const activeSince = new Date(Math.max(s.createdAt.getTime(), c.createdAt.getTime()));
      out.push({
        schedule: toScheduleSpec(s, activeSince),
        client: {
          clientId: c.id,
          siteId: c.site,
          lastSlot: st?.lastScheduledJobId ? slotFromJobId(st.lastScheduledJobId) : null,
          lastGoodAt: st?.lastGoodAt ?? null,
          lastFullAt: st?.lastFullAt ?? null,
          blocked: offline ? 'agent-offline' : null,
        },
      });
    }
  }
  return out;
}
