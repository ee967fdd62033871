import { describe, expect, it } from 'vitest';
import { DEFAULT_DISK_GUARD, evaluateDiskGuard, type StatFsNumbers } from './disk-guard.js';

// 1,000,000 blocks of 4 KiB, 5 % reserved for root (as ext4 does by default).
const fs = (usedBlocks: number, ffree = 500_000, files = 1_000_000): StatFsNumbers => ({
  bsize: 4096,
  blocks: 1_000_000,
  bfree: 1_000_000 - usedBlocks,
  bavail: Math.max(0, 950_000 - usedBlocks),
  files,
  ffree,
});

describe('disk guard', () => {
  it('computes usage as df does (reserved blocks are neither used nor available)', () => {
    const d = evaluateDiskGuard(fs(475_000));
    expect(d.usagePercent).toBeCloseTo(50, 6);
    expect(d.freeBytes).toBe(475_000 * 4096);
    expect(d).toMatchObject({ tripped: false, freeInodes: 500_000, reasons: [] });
  });

  it('trips at the default 95 % and not just below', () => {
    expect(evaluateDiskGuard(fs(902_499)).tripped).toBe(false); // 94.99 %
    const d = evaluateDiskGuard(fs(902_500)); // 95.0 %
    expect(d.tripped).toBe(true);
    expect(d.reasons).toEqual(['usage 95.0 % >= 95 %']);
  });

  it('a configurable threshold', () => {
    expect(evaluateDiskGuard(fs(800_000), { ...DEFAULT_DISK_GUARD, maxUsagePercent: 80 }).tripped).toBe(true);
    expect(evaluateDiskGuard(fs(800_000), { ...DEFAULT_DISK_GUARD, maxUsagePercent: 90 }).tripped).toBe(false);
  });

  it('trips on few free inodes, by count or by share', () => {
    expect(evaluateDiskGuard(fs(100, 9_999)).reasons).toEqual(['free inodes 9999 < 10000']);
    const big = evaluateDiskGuard(fs(100, 50_000, 10_000_000), { ...DEFAULT_DISK_GUARD, minFreeInodesPercent: 1 });
    expect(big.reasons).toEqual(['free inodes 0.50 % < 1 %']);
    expect(evaluateDiskGuard(fs(100, 200_000, 10_000_000)).tripped).toBe(false);
  });

  it('skips the inode check where the filesystem has no inode table (files = 0)', () => {
    expect(evaluateDiskGuard(fs(100, 0, 0))).toMatchObject({ tripped: false, freeInodes: null });
  });

  it('a full disk with nothing available reads as 100 %', () => {
    const d = evaluateDiskGuard({ bsize: 4096, blocks: 100, bfree: 0, bavail: 0, files: 10, ffree: 5 }, { ...DEFAULT_DISK_GUARD, minFreeInodes: 0 });
    expect(d.usagePercent).toBe(100);
    expect(d.tripped).toBe(true);
  });
});
