/** The fields of fs.statfs (StatsFs) the guard needs, as plain numbers. */
export interface StatFsNumbers {
  bsize: number;
  blocks: number;
  bfree: number;
  /** Free blocks available to unprivileged users (df's "Avail"). */
  bavail: number;
  files: number;
  ffree: number;
}

export interface DiskGuardThresholds {
  /** Trip when used / (used + available) reaches this percentage. */
  maxUsagePercent: number;
  /** Trip when free inodes drop below this count... */
  minFreeInodes: number;
  /** ...or below this percentage of all inodes. */
  minFreeInodesPercent: number;
}

export const DEFAULT_DISK_GUARD: DiskGuardThresholds = { maxUsagePercent: 95, minFreeInodes: 10_000, minFreeInodesPercent: 1 };

export interface DiskGuardDecision {
  tripped: boolean;
  usagePercent: number;
  freeBytes: number;
  freeInodes: number | null;
  reasons: string[];
}

/**
 * Whether new backups must wait. Usage is computed as df does (blocks reserved for root count as
 * neither used nor available). Filesystems without a fixed inode table (btrfs) report files = 0;
 * the inode check is skipped for them.
 */
export function evaluateDiskGuard(fs: StatFsNumbers, thresholds: DiskGuardThresholds = DEFAULT_DISK_GUARD): DiskGuardDecision {
  const used = fs.blocks - fs.bfree;
  const denominator = used + fs.bavail;
  const usagePercent = denominator > 0 ? (used / denominator) * 100 : 100;
  const reasons: string[] = [];
  if (usagePercent >= thresholds.maxUsagePercent) {
    reasons.push(`usage ${usagePercent.toFixed(1)} % >= ${thresholds.maxUsagePercent} %`);
  }
  const hasInodes = fs.files > 0;
  if (hasInodes) {
    const pct = (fs.ffree / fs.files) * 100;
    if (fs.ffree < thresholds.minFreeInodes) reasons.push(`free inodes ${fs.ffree} < ${thresholds.minFreeInodes}`);
    else if (pct < thresholds.minFreeInodesPercent) reasons.push(`free inodes ${pct.toFixed(2)} % < ${thresholds.minFreeInodesPercent} %`);
  }
  return {
    tripped: reasons.length > 0,
    usagePercent,
    freeBytes: fs.bavail * fs.bsize,
    freeInodes: hasInodes ? fs.ffree : null,
    reasons,
  };
}
