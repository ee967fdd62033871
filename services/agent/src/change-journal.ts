import { randomBytes } from 'node:crypto';
import { XmlRpcFaultResponse, type ReportChangesResult } from '@backtrac/xmlrpc';

export interface JournalSink {
  reportChanges(share: string, cursor: string, paths: string[]): Promise<ReportChangesResult>;
}

export interface JournalStatus {
  cursor: string;
  pending: number;
  gaps: number;
}

const BATCH = 10_000;

/**
 * Changed paths waiting to be reported, and the cursor that proves the report stream is
 * continuous. One cursor covers all shares: `<epoch>:<seq>`, a new epoch whenever this process
 * starts or had to drop changes (overflow, a refused report) so the gateway knows there is a gap.
 *
 * A batch that was sent is retried unchanged until acknowledged, so a report whose answer was
 * lost is recognised by the gateway as a duplicate rather than taken for a gap.
 */
export class ChangeJournal {
  private cursor: string;
  private readonly pending = new Map<string, Set<string>>();
  private pendingCount = 0;
  private inflight: { share: string; paths: string[] } | null = null;
  private gaps = 0;

  constructor(
    private readonly maxPending = 200_000,
    private readonly now: () => number = Date.now,
  ) {
    this.cursor = ChangeJournal.newCursor(this.now());
  }

  static newCursor(nowMs: number): string {
    return `${nowMs}-${randomBytes(6).toString('hex')}:0`;
  }

  add(share: string, path: string): void {
    let set = this.pending.get(share);
    if (!set) {
      set = new Set();
      this.pending.set(share, set);
    }
    if (set.has(path)) return;
    set.add(path);
    this.pendingCount += 1;
    if (this.pendingCount > this.maxPending) this.gap();
  }

  /** Forget everything not yet acknowledged and start a new epoch: the next backup walks. */
  gap(): void {
    this.restart();
    this.gaps += 1;
  }

  /**
   * Starts a new epoch without counting a gap: for when watching begins (or a share is added), as
   * the journal can only vouch for changes from the moment its watchers are in place.
   */
  restart(): void {
    this.pending.clear();
    this.pendingCount = 0;
    this.inflight = null;
    this.cursor = ChangeJournal.newCursor(this.now());
  }

  /** The epoch part of the cursor: `<start ms>-<random>`. */
  epoch(): string {
    return this.cursor.slice(0, this.cursor.lastIndexOf(':'));
  }

  status(): JournalStatus {
    return { cursor: this.cursor, pending: this.pendingCount + (this.inflight?.paths.length ?? 0), gaps: this.gaps };
  }

  /**
   * Sends everything pending. Transport errors propagate (the caller retries later). Calls are
   * serialised: the periodic report and a flush before a backup never send the same batch twice.
   */
  flush(sink: JournalSink): Promise<void> {
    const run = this.flushing.catch(() => undefined).then(() => this.flushNow(sink));
    this.flushing = run;
    return run;
  }

  private flushing: Promise<void> = Promise.resolve();

  private async flushNow(sink: JournalSink): Promise<void> {
    for (;;) {
      if (!this.inflight) this.inflight = this.takeBatch();
      if (!this.inflight) return;
      const { share, paths } = this.inflight;
      try {
        const result = await sink.reportChanges(share, this.cursor, paths);
        this.cursor = result.cursor;
        this.inflight = null;
      } catch (error) {
        // Slowed down, not refused: the batch stays in flight and goes again on the next round.
        if (error instanceof XmlRpcFaultResponse && error.code !== 'RATE_LIMITED') {
          // The gateway refused the batch (share removed, bad path, cursor it does not accept):
          // the changes are lost, which must show as a gap, not as a continuous journal.
          this.gap();
          return;
        }
        throw error;
      }
    }
  }

  private takeBatch(): { share: string; paths: string[] } | null {
    for (const [share, set] of this.pending) {
      if (set.size === 0) {
        this.pending.delete(share);
        continue;
      }
      const paths: string[] = [];
      for (const p of set) {
        paths.push(p);
        set.delete(p);
        if (paths.length >= BATCH) break;
      }
      this.pendingCount -= paths.length;
      if (set.size === 0) this.pending.delete(share);
      return { share, paths };
    }
    return null;
  }
}
