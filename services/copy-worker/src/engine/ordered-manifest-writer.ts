import type { ManifestEntry, SnapshotWriter } from '@backtrac/store';

/** An unchanged shared folder taken over whole: its previous entry and everything below it. */
export interface UnchangedFolder {
  folder: ManifestEntry;
  below: ManifestEntry[];
}

/** An entry still being stored; undefined when it was skipped. */
export type PendingEntry = Promise<ManifestEntry | undefined>;
type PendingItem = Promise<ManifestEntry | UnchangedFolder | undefined>;

const PENDING_LIMIT = 512;

export interface OrderedManifestWriterOptions {
  /** Called with the error of an entry that failed; the run ends with it. */
  onFailure: (err: unknown) => void;
  /** Once the run has failed, nothing more is appended. */
  failed: () => boolean;
}

/**
 * Appends entries to the new manifest in the order they were scheduled, whatever order they
 * finish in, with at most PENDING_LIMIT outstanding so memory stays bounded.
 */
export class OrderedManifestWriter {
  private readonly pending: PendingItem[] = [];
  private appendedEntries = 0;

  private readonly writer: SnapshotWriter;
  private readonly opts: OrderedManifestWriterOptions;

  constructor(writer: SnapshotWriter, opts: OrderedManifestWriterOptions) {
    this.writer = writer;
    this.opts = opts;
  }

  /** Entries written to the manifest so far. */
  get appended(): number {
    return this.appendedEntries;
  }

  async push(item: PendingItem): Promise<void> {
    // Rejections are collected as the run's failure; nothing is left unhandled meanwhile.
    const safe = item.catch((err: unknown) => {
      this.opts.onFailure(err);
      return undefined;
    });
    this.pending.push(safe);
    while (this.pending.length > PENDING_LIMIT) await this.flushOne();
  }

  /** Writes out everything still pending. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) await this.flushOne();
  }

  /** Waits for everything still pending without writing it (the run is being given up). */
  async settle(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
  }

  private async flushOne(): Promise<void> {
    const item = await this.pending.shift();
    if (!item || this.opts.failed()) return;
    if ('below' in item) {
      await this.writer.appendUnchangedFolder(item.folder, item.below);
      this.appendedEntries += 1 + item.below.length;
      return;
    }
    await this.writer.append(item);
    this.appendedEntries++;
  }
}
