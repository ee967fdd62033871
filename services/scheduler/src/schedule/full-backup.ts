/** Full-backup policy: every N days, or never (null / 0: every run is incremental after the first). */
export interface FullBackupPolicy {
  fullEveryDays: number | null;
}

/**
 * A full backup re-reads every file instead of trusting (path, size, mtime); the first backup of
 * a client is full by nature, and with a period the next full is due once the period has elapsed
 * since the last full (measured in whole elapsed time, so DST does not shift it by an hour).
 */
export function isFullBackupDue(policy: FullBackupPolicy, lastFullAt: Date | null, lastGoodAt: Date | null, slot: Date): boolean {
  if (!lastGoodAt) return true;
  const days = policy.fullEveryDays;
  if (!days || days <= 0) return false;
  if (!lastFullAt) return true;
  // A few minutes of slack, so a daily 02:00 slot with jitter does not miss "7 days" by seconds.
  const slackMs = 10 * 60_000;
  return slot.getTime() - lastFullAt.getTime() >= days * 86_400_000 - slackMs;
}
