import { civilDayNumber, localParts } from './zoned-time.js';

export interface SnapshotInfo {
  id: string;
  clientId: string;
  takenAt: Date;
  /** Finished without errors. Snapshots with errors are kept only by `pinned` or `keepWithinDays`. */
  good: boolean;
  pinned: boolean;
}

/** Counts are "how many buckets"; 0 disables a rule. Buckets are calendar units in `timeZone`. */
export interface RetentionPolicy {
  keepLast: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
  keepYearly: number;
  /** Everything younger than this many days is kept (0 disables). */
  keepWithinDays: number;
  timeZone: string;
}

export type KeepRule = 'pinned' | 'newest-good' | 'last' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'within';

export interface KeepReason {
  rule: KeepRule;
  /** Bucket the snapshot represents, e.g. "2025-12" for monthly; absent for pinned/newest-good/within. */
  bucket?: string;
  /** 1-based rank within the rule (the 3rd daily, the 1st yearly...). */
  rank?: number;
}

export interface RetentionPlan {
  keep: { snapshot: SnapshotInfo; reasons: KeepReason[] }[];
  delete: { snapshot: SnapshotInfo; reason: string }[];
}

type Bucketer = (s: SnapshotInfo) => string;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function bucketers(timeZone: string): Record<'daily' | 'weekly' | 'monthly' | 'yearly', Bucketer> {
  const parts = (s: SnapshotInfo) => localParts(s.takenAt, timeZone);
  return {
    daily: (s) => {
      const p = parts(s);
      return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
    },
    weekly: (s) => {
      // Weeks start on Monday (ISO); the bucket is named after its Monday.
      const p = parts(s);
      const monday = civilDayNumber(p.year, p.month, p.day) - ((p.weekday + 6) % 7);
      return `week of ${new Date(monday * 86_400_000).toISOString().slice(0, 10)}`;
    },
    monthly: (s) => {
      const p = parts(s);
      return `${p.year}-${pad(p.month)}`;
    },
    yearly: (s) => String(parts(s).year),
  };
}

function newestFirst(a: SnapshotInfo, b: SnapshotInfo): number {
  const d = b.takenAt.getTime() - a.takenAt.getTime();
  return d !== 0 ? d : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function validateRetentionPolicy(p: RetentionPolicy): void {
  for (const k of ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly', 'keepWithinDays'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 0) throw new RangeError(`${k} must be a non-negative integer`);
  }
  localParts(new Date(0), p.timeZone);
}

function planClient(snapshots: SnapshotInfo[], policy: RetentionPolicy, now: Date, keep: Map<SnapshotInfo, KeepReason[]>): void {
  const add = (s: SnapshotInfo, r: KeepReason) => {
    const list = keep.get(s);
    if (list) list.push(r);
    else keep.set(s, [r]);
  };
  const sorted = [...snapshots].sort(newestFirst);
  const good = sorted.filter((s) => s.good);

  for (const s of sorted) if (s.pinned) add(s, { rule: 'pinned' });
  if (good[0]) add(good[0], { rule: 'newest-good' });
  good.slice(0, policy.keepLast).forEach((s, i) => add(s, { rule: 'last', rank: i + 1 }));

  // Grandfather-father-son: each rule independently keeps the newest snapshot of each of its
  // last N buckets that have a snapshot at all (a week without backups does not use up a count).
  const b = bucketers(policy.timeZone);
  const rules = [
    ['daily', policy.keepDaily],
    ['weekly', policy.keepWeekly],
    ['monthly', policy.keepMonthly],
    ['yearly', policy.keepYearly],
  ] as const;
  for (const [rule, count] of rules) {
    if (count <= 0) continue;
    let last: string | undefined;
    let rank = 0;
    for (const s of good) {
      const bucket = b[rule](s);
      if (bucket === last) continue;
      last = bucket;
      rank += 1;
      if (rank > count) break;
      add(s, { rule, bucket, rank });
    }
  }

  if (policy.keepWithinDays > 0) {
    const cutoff = now.getTime() - policy.keepWithinDays * 86_400_000;
    for (const s of sorted) if (s.takenAt.getTime() > cutoff) add(s, { rule: 'within' });
  }
}

/**
 * Which snapshots a policy keeps and which it deletes, with the reasons (the dry run shows them).
 * Pure: deleting is the caller's job. Pinned snapshots and each client's newest good snapshot are
 * always kept, whatever the policy says.
 */
export function planRetention(snapshots: readonly SnapshotInfo[], policy: RetentionPolicy, now: Date): RetentionPlan {
  const byClient = new Map<string, SnapshotInfo[]>();
  for (const s of snapshots) {
    const list = byClient.get(s.clientId);
    if (list) list.push(s);
    else byClient.set(s.clientId, [s]);
  }
  const keep = new Map<SnapshotInfo, KeepReason[]>();
  for (const list of byClient.values()) planClient(list, policy, now, keep);

  const plan: RetentionPlan = { keep: [], delete: [] };
  for (const s of [...snapshots].sort(newestFirst)) {
    const reasons = keep.get(s);
    if (reasons) plan.keep.push({ snapshot: s, reasons });
    else plan.delete.push({ snapshot: s, reason: s.good ? 'not kept by any rule' : 'finished with errors and not kept by any rule' });
  }
  return plan;
}
