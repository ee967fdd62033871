import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RetentionPolicy } from '../entities/retention-policy.entity.js';

/** The policy that applies to a client, with the time zone of the schedule that names it. */
export interface ClientRetentionPolicy {
  clientId: string;
  /** Null: no policy applies, nothing is ever deleted. */
  policy: (Pick<RetentionPolicy, 'id' | 'name' | 'keepLast' | 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'keepYearly' | 'keepWithinDays'> & { timeZone: string }) | null;
}

/** A snapshot as retention weighs it; `good` is false for a partial one. */
export interface RetainedSnapshot {
  id: string;
  clientId: string;
  takenAt: Date;
  good: boolean;
  pinned: boolean;
}

/**
 * Retention reads in the catalog. A client's policy comes from its own schedule, else from a
 * global one; calendar buckets use that schedule's time zone.
 */
@Injectable()
export class RetentionCatalogRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async listClientPolicies(clientId?: string): Promise<ClientRetentionPolicy[]> {
    const rows = (await this.db.query(
      `SELECT c.id AS client_id, s.timezone, p.id AS policy_id, p.name, p.keep_last, p.keep_daily, p.keep_weekly,
              p.keep_monthly, p.keep_yearly, p.keep_within_days
         FROM clients c
         LEFT JOIN LATERAL (
           SELECT s.timezone, s.retention_policy_id FROM schedules s
            WHERE s.enabled AND s.retention_policy_id IS NOT NULL AND (s.client_id = c.id OR s.client_id IS NULL)
            ORDER BY (s.client_id IS NULL), s.created_at LIMIT 1
         ) s ON true
         LEFT JOIN retention_policies p ON p.id = s.retention_policy_id
        WHERE ($1::uuid IS NULL OR c.id = $1::uuid)
        ORDER BY c.name`,
      [clientId ?? null],
    )) as Record<string, unknown>[];
    return rows.map((r) => ({
      clientId: String(r.client_id),
      policy:
        r.policy_id === null
          ? null
          : {
              id: String(r.policy_id),
              name: String(r.name),
              keepLast: Number(r.keep_last),
              keepDaily: Number(r.keep_daily),
              keepWeekly: Number(r.keep_weekly),
              keepMonthly: Number(r.keep_monthly),
              keepYearly: Number(r.keep_yearly),
              keepWithinDays: Number(r.keep_within_days),
              timeZone: String(r.timezone),
            },
    }));
  }

  /** Snapshots not yet expired. */
  async listSnapshots(clientId: string): Promise<RetainedSnapshot[]> {
    const rows = (await this.db.query(
      `SELECT id, client_id, seq, partial, pinned, completed_at FROM snapshots
        WHERE client_id = $1 AND expired_at IS NULL ORDER BY seq`,
      [clientId],
    )) as { id: string; client_id: string; seq: number; partial: boolean; pinned: boolean; completed_at: Date }[];
    return rows.map((r) => ({ id: r.id, clientId: r.client_id, takenAt: new Date(r.completed_at), good: !r.partial, pinned: r.pinned }));
  }
}
