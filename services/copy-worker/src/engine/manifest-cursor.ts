import { comparePaths, entrySegments, type ManifestEntry } from '@backtrac/store';

/**
 * Walks the previous snapshot's manifest alongside the new walk; both are in comparePaths order,
 * so memory stays constant. Entries the walk passes by without visiting were removed.
 */
export class ManifestCursor {
  private readonly it: AsyncIterator<ManifestEntry> | undefined;
  private head: { entry: ManifestEntry; segs: string[] } | undefined;
  private done = false;
  private readonly onPassed: (entry: ManifestEntry) => void;

  private readonly onError: ((err: unknown) => void) | undefined;

  /**
   * `onError`: when given, an unreadable previous manifest ends the comparison there (what follows
   * is treated as new and read again) instead of failing the backup.
   */
  constructor(entries: AsyncIterable<ManifestEntry> | undefined, onPassed: (entry: ManifestEntry) => void, onError?: (err: unknown) => void) {
    this.it = entries?.[Symbol.asyncIterator]();
    this.done = entries === undefined;
    this.onPassed = onPassed;
    this.onError = onError;
  }

  /** The previous entry at exactly `segs`, after reporting every earlier one as passed. */
  async seek(segs: readonly string[]): Promise<ManifestEntry | undefined> {
    for (;;) {
      const head = await this.peek();
      if (!head) return undefined;
      const c = comparePaths(head.segs, segs);
      if (c > 0) return undefined;
      this.head = undefined;
      if (c === 0) return head.entry;
      this.onPassed(head.entry);
    }
  }

  /** Everything below `dir`, in order, consumed (call right after seek(dir) found it). */
  async takeSubtree(dir: readonly string[]): Promise<ManifestEntry[]> {
    const out: ManifestEntry[] = [];
    for (let head = await this.peek(); head && isBelow(head.segs, dir); head = await this.peek()) {
      this.head = undefined;
      out.push(head.entry);
    }
    return out;
  }

  /** Reports every remaining entry as passed (the walk is over). */
  async drain(): Promise<void> {
    for (let head = await this.peek(); head; head = await this.peek()) {
      this.head = undefined;
      this.onPassed(head.entry);
    }
  }

  async close(): Promise<void> {
    await this.it?.return?.();
  }

  private async peek(): Promise<{ entry: ManifestEntry; segs: string[] } | undefined> {
    if (this.head || this.done || !this.it) return this.head;
    let next: IteratorResult<ManifestEntry>;
    try {
      next = await this.it.next();
    } catch (err) {
      if (!this.onError) throw err;
      this.onError(err);
      this.done = true;
      return undefined;
    }
    if (next.done) {
      this.done = true;
      return undefined;
    }
    this.head = { entry: next.value, segs: entrySegments(next.value) };
    return this.head;
  }
}

function isBelow(segs: readonly string[], dir: readonly string[]): boolean {
  if (segs.length <= dir.length) return false;
  for (let i = 0; i < dir.length; i++) if (segs[i] !== dir[i]) return false;
  return true;
}
