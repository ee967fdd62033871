import type { DataSource } from 'typeorm';
import type { AgentHeartbeat, ClientBackupStatus } from '@backtrac/alerts';
import type { AlertConditionSource } from './alert-monitor.service.js';

/** Catalog reads for the alert monitor (SQL: to move into libs/catalog). */
export class AlertConditionsRepository implements AlertConditionSource {
  constructor(private readonly db: DataSource) {}

  async clientStatuses(): Promise<ClientBackupStatus[]> {
    const rows = (await this.db.query(
      `SELECT c.id, c.name, c.enabled, c.created_at,
              (SELECT max(r.finished_at) FROM backup_runs r WHERE r.client_id = c.id AND r.state IN ('succeeded', 'partial')) AS last_good
         FROM clients c ORDER BY c.name`,
    )) as { id: string; name: string; enabled: boolean; created_at: Date; last_good: Date | null }[];
    return rows.map((r) => ({
      clientId: r.id,
      clientName: r.name,
      enabled: r.enabled,
      createdAt: new Date(r.created_at),
      lastGoodAt: r.last_good ? new Date(r.last_good) : null,
      // Per-client limits need a column in clients (asked of the lead); until then the global one applies.
      notBackedUpDays: null,
    }));
  }

  async agentHeartbeats(): Promise<AgentHeartbeat[]> {
    const rows = (await this.db.query(
      `SELECT a.id, a.hostname, c.name AS client_name, a.status, a.enrolled_at, a.last_heartbeat_at
         FROM agents a LEFT JOIN clients c ON c.id = a.client_id ORDER BY a.hostname`,
    )) as { id: string; hostname: string; client_name: string | null; status: string; enrolled_at: Date; last_heartbeat_at: Date | null }[];
    return rows.map((r) => ({
      agentId: r.id,
      hostname: r.hostname,
      clientName: r.client_name,
      approved: r.status === 'approved',
      enrolledAt: new Date(r.enrolled_at),
      lastHeartbeatAt: r.last_heartbeat_at ? new Date(r.last_heartbeat_at) : null,
    }));
  }
}
