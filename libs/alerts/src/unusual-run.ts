/** Counters of a finished run compared with the snapshot before it. */
export interface RunChangeCounts {
  /** Files in the previous snapshot (0 or null for a first backup). */
  previousFiles: number | null;
  modified: number;
  deleted: number;
  added: number;
}

export interface UnusualRunThresholds {
  /** Share (0..1) of the previous snapshot's files modified or deleted at once. */
  maxChangedShare: number;
  /** Below this many previous files the share is too noisy to mean anything. */
  minPreviousFiles: number;
}

export const DEFAULT_UNUSUAL_RUN: UnusualRunThresholds = { maxChangedShare: 0.3, minPreviousFiles: 100 };

export interface UnusualRunVerdict {
  unusual: boolean;
  changedShare: number;
  changedFiles: number;
}

/**
 * Ransomware rewrites (or rewrites then deletes) most files at once. New files alone are not a
 * sign (a new project, a photo import), so only modified and deleted files of the previous
 * snapshot count.
 */
export function detectUnusualRun(run: RunChangeCounts, thresholds: UnusualRunThresholds = DEFAULT_UNUSUAL_RUN): UnusualRunVerdict {
  const previous = run.previousFiles ?? 0;
  const changedFiles = run.modified + run.deleted;
  if (previous <= 0) return { unusual: false, changedShare: 0, changedFiles };
  const changedShare = Math.min(1, changedFiles / previous);
  return { unusual: previous >= thresholds.minPreviousFiles && changedShare > thresholds.maxChangedShare, changedShare, changedFiles };
}
