/** A client whose slot is due and who would like to start a backup now. */
export interface Candidate {
  clientId: string;
  siteId: string | null;
  lastGoodAt: Date | null;
}

export interface Caps {
  /** Concurrent backups across everything (queued + running). */
  global: number;
  /** Concurrent backups per site; a site without an entry uses `perSiteDefault`. */
  perSite?: Readonly<Record<string, number>>;
  perSiteDefault?: number;
}

export interface InFlight {
  total: number;
  bySite: Readonly<Record<string, number>>;
  /** Clients that already have a backup queued or running (one per client at a time). */
  clients: ReadonlySet<string>;
}

export interface Admission<C extends Candidate> {
  admitted: C[];
  deferred: { candidate: C; reason: 'client-busy' | 'global-cap' | 'site-cap' }[];
}

/** Oldest last good backup first; never backed up beats everything; ties by client id. */
export function byOldestGood(a: Candidate, b: Candidate): number {
  const ta = a.lastGoodAt?.getTime() ?? -Infinity;
  const tb = b.lastGoodAt?.getTime() ?? -Infinity;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0;
}

function siteCap(caps: Caps, siteId: string | null): number {
  if (siteId === null) return Infinity;
  return caps.perSite?.[siteId] ?? caps.perSiteDefault ?? Infinity;
}

/** Picks who starts now, oldest-first, within the global and per-site caps. */
export function admit<C extends Candidate>(candidates: readonly C[], inFlight: InFlight, caps: Caps): Admission<C> {
  const out: Admission<C> = { admitted: [], deferred: [] };
  let total = inFlight.total;
  const bySite = new Map(Object.entries(inFlight.bySite));
  const seen = new Set(inFlight.clients);
  for (const c of [...candidates].sort(byOldestGood)) {
    if (seen.has(c.clientId)) {
      out.deferred.push({ candidate: c, reason: 'client-busy' });
      continue;
    }
    if (total >= caps.global) {
      out.deferred.push({ candidate: c, reason: 'global-cap' });
      continue;
    }
    const site = bySite.get(c.siteId ?? '') ?? 0;
    if (c.siteId !== null && site >= siteCap(caps, c.siteId)) {
      out.deferred.push({ candidate: c, reason: 'site-cap' });
      continue;
    }
    out.admitted.push(c);
    seen.add(c.clientId);
    total += 1;
    if (c.siteId !== null) bySite.set(c.siteId, site + 1);
  }
  return out;
}

/**
 * BullMQ priority (lower runs first, 1..2^21-1) from the last good backup, in hours since
 * 2000-01-01: absolute, so jobs enqueued by different ticks or schedulers compare correctly.
 */
export function queuePriority(lastGoodAt: Date | null): number {
  if (!lastGoodAt) return 1;
  const hours = Math.floor((lastGoodAt.getTime() - Date.UTC(2000, 0, 1)) / 3_600_000);
  return Math.min(2 ** 21 - 1, Math.max(2, hours + 2));
}

export interface RetryPolicy {
  baseSeconds: number;
  maxSeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseSeconds: 60, maxSeconds: 3600 };

/**
 * When to try again a client whose agent was offline or whose share was unreachable: exponential
 * backoff (base * 2^(attempt-1), capped), and never past the window's close. Null = give up for
 * this slot (the next slot, or the "not backed up for N days" alert, takes over).
 */
export function nextRetryAt(attempt: number, failedAt: Date, windowClosesAt: Date | null, policy: RetryPolicy = DEFAULT_RETRY): Date | null {
  const delay = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, attempt - 1));
  const at = new Date(failedAt.getTime() + delay * 1000);
  if (windowClosesAt && at >= windowClosesAt) return null;
  return at;
}
