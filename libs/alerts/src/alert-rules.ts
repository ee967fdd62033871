import type { AgentOfflineAlert, NotBackedUpAlert } from './alert.types.js';

export interface ClientBackupStatus {
  clientId: string;
  clientName: string;
  enabled: boolean;
  createdAt: Date;
  lastGoodAt: Date | null;
  /** Per-client override of the global limit; null uses the global one. */
  notBackedUpDays: number | null;
}

/**
 * Clients without a successful backup for longer than their limit. A client that never had one
 * is measured from when it was added, so adding a client does not raise an alert at once.
 */
export function overdueClients(clients: readonly ClientBackupStatus[], globalDays: number, now: Date): NotBackedUpAlert[] {
  const out: NotBackedUpAlert[] = [];
  for (const c of clients) {
    const days = c.notBackedUpDays ?? globalDays;
    if (!c.enabled || days <= 0) continue;
    const since = c.lastGoodAt ?? c.createdAt;
    if (now.getTime() - since.getTime() > days * 86_400_000) {
      out.push({ type: 'not-backed-up', at: now, clientId: c.clientId, clientName: c.clientName, lastGoodAt: c.lastGoodAt, thresholdDays: days });
    }
  }
  return out;
}

export interface AgentHeartbeat {
  agentId: string;
  hostname: string;
  clientName: string | null;
  approved: boolean;
  enrolledAt: Date;
  lastHeartbeatAt: Date | null;
}

export function offlineAgents(agents: readonly AgentHeartbeat[], hours: number, now: Date): AgentOfflineAlert[] {
  if (hours <= 0) return [];
  return agents
    .filter((a) => a.approved && now.getTime() - (a.lastHeartbeatAt ?? a.enrolledAt).getTime() > hours * 3_600_000)
    .map((a) => ({
      type: 'agent-offline' as const,
      at: now,
      agentId: a.agentId,
      hostname: a.hostname,
      clientName: a.clientName,
      lastHeartbeatAt: a.lastHeartbeatAt,
      thresholdHours: hours,
    }));
}

/**
 * A standing condition (client overdue, agent offline, disk full) is re-announced at most every
 * `repeatHours`; a one-off event (a failed run) has its own key and goes out once.
 */
export function shouldSend(lastSentAt: Date | null, now: Date, repeatHours: number): boolean {
  if (!lastSentAt) return true;
  return repeatHours > 0 && now.getTime() - lastSentAt.getTime() >= repeatHours * 3_600_000;
}
