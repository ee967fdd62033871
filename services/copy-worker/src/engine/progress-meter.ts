export interface BackupProgress {
  filesDone: number;
  /** Known once the walk is over; before that the previous snapshot's count, if any. */
  filesTotal?: number;
  bytesDone: number;
  bytesTotal?: number;
  totalsEstimated: boolean;
  bytesRead: number;
  currentPath?: string;
  bytesPerSecond: number;
  etaSeconds?: number;
  elapsedMs: number;
}

export interface ProgressMeterOptions {
  onProgress: ((progress: BackupProgress) => void) | undefined;
  /** Minimum time between progress events; a final one is always sent. */
  intervalMs: number;
  startedAt: Date;
  /** Bytes read from the source so far (the run's counter). */
  bytesRead: () => number;
}

/**
 * Counts what a backup run has seen and done, and turns it into throttled progress events with
 * totals (estimated from the previous snapshot until the walk is over), rate and ETA.
 */
export class ProgressMeter {
  private filesSeen = 0;
  private bytesSeen = 0;
  private doneFiles = 0;
  private bytesDone = 0;
  private walkDone = false;
  private estimate: { files: number; bytes: number } | undefined;
  private currentPath: string | undefined;
  private lastProgress = 0;

  private readonly opts: ProgressMeterOptions;

  constructor(opts: ProgressMeterOptions) {
    this.opts = opts;
  }

  get filesDone(): number {
    return this.doneFiles;
  }

  estimateFrom(previous: { files: number; bytes: number }): void {
    this.estimate = previous;
  }

  /** A file found by the walk (counts toward the totals). */
  seen(size: number): void {
    this.filesSeen++;
    this.bytesSeen += size;
  }

  walkFinished(): void {
    this.walkDone = true;
  }

  reading(path: string): void {
    this.currentPath = path;
  }

  /** Bytes of a file being read; taken back by readSettled once the file is done. */
  bytesIn(n: number): void {
    this.bytesDone += n;
    this.emit(false);
  }

  readSettled(bytesRead: number): void {
    this.bytesDone -= bytesRead;
  }

  fileDone(size: number): void {
    this.doneFiles++;
    this.bytesDone += size;
    this.emit(false);
  }

  fileSkipped(): void {
    this.doneFiles++;
  }

  emit(final: boolean): void {
    const { onProgress } = this.opts;
    if (!onProgress) return;
    const now = Date.now();
    if (!final && now - this.lastProgress < this.opts.intervalMs) return;
    this.lastProgress = now;
    const elapsedMs = now - this.opts.startedAt.getTime();
    const totals = this.walkDone ? { files: this.filesSeen, bytes: this.bytesSeen } : this.estimate;
    const bytesRead = this.opts.bytesRead();
    const rate = elapsedMs > 0 ? (bytesRead * 1000) / elapsedMs : 0;
    const doneRate = elapsedMs > 0 ? (this.bytesDone * 1000) / elapsedMs : 0;
    const p: BackupProgress = {
      filesDone: this.doneFiles,
      bytesDone: this.bytesDone,
      bytesRead,
      totalsEstimated: !this.walkDone,
      bytesPerSecond: Math.round(rate),
      elapsedMs,
    };
    if (totals) {
      p.filesTotal = totals.files;
      p.bytesTotal = totals.bytes;
      if (doneRate > 0) p.etaSeconds = Math.max(0, (totals.bytes - this.bytesDone) / doneRate);
    }
    if (this.currentPath !== undefined) p.currentPath = this.currentPath;
    onProgress(p);
  }
}
