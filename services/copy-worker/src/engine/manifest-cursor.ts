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

  constructor(entries: AsyncIterable<ManifestEntry> | undefined, onPassed: (entry: ManifestEntry) => void) {
    this.it = entries?.[Symbol.asyncIterator]();
    this.done = entries === undefined;
    this.onPassed = onPassed;
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
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return undefined;
    }
    this.head = { entry: next.value, segs: entrySegments(next.value) };
    return this.head;
  }
}
