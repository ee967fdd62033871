/**
 * reportChanges calls per agent and minute. An agent reports every few seconds and in batches of
 * 10,000 paths, so even a backlog stays far below this; a compromised or broken agent cannot
 * flood the journal tables.
 */
export const REPORTS_PER_MINUTE = 120;
const WINDOW_MS = 60_000;
const MAX_TRACKED = 10_000;

export class ReportRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly limit = REPORTS_PER_MINUTE) {}

  /** Counts one call; returns the seconds to wait when over the limit, else 0. */
  take(agentId: string, now: number): number {
    let window = this.windows.get(agentId);
    if (!window || now - window.start >= WINDOW_MS) {
      if (!window && this.windows.size >= MAX_TRACKED) this.windows.clear();
      window = { start: now, count: 0 };
      this.windows.set(agentId, window);
    }
    if (window.count >= this.limit) return Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
    window.count++;
    return 0;
  }
}
