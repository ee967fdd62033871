import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { Subscription } from 'rxjs';
import { Api } from '../api/api';
import { runsGet } from '../api/fn/runs/runs-get';
import { runsLog } from '../api/fn/runs/runs-log';
import { RunDto as Run } from '../api/models/run-dto';
import { RunLogLineDto as LogLine } from '../api/models/run-log-line-dto';
import { RunLogPageDto as LogPage } from '../api/models/run-log-page-dto';
import { httpErrorMessage } from '../http-error-message';
import { RunProgressEvent } from './live-event';
import { LiveEvents } from './live-events';

const LOG_PAGE = 500;

/** A line shown in the log: from the catalog (with an id) or just received live (without). */
export type ShownLogLine = Pick<LogLine, 'at' | 'level' | 'message' | 'path'> & { id: string | null };

/** One run: its row, its log (catalog pages plus live lines) and its live progress. */
@Injectable()
export class RunDetailState {
  private readonly api = inject(Api);
  private readonly live = inject(LiveEvents);
  private readonly _run = signal<Run | null>(null);
  private readonly _lines = signal<readonly ShownLogLine[]>([]);
  private readonly _progress = signal<RunProgressEvent | null>(null);
  private readonly _error = signal<string | null>(null);
  private readonly _moreLog = signal(false);
  private lastLogId: string | undefined;
  private subscription: Subscription | undefined;

  readonly run = this._run.asReadonly();
  readonly lines = this._lines.asReadonly();
  readonly progress = this._progress.asReadonly();
  readonly error = this._error.asReadonly();
  readonly moreLog = this._moreLog.asReadonly();
  readonly active = computed(() => ['queued', 'running'].includes(this._run()?.state ?? ''));
  /** 0–100 when the total is known (bytes preferred, else files); null for an indeterminate bar. */
  readonly percent = computed(() => {
    const p = this._progress();
    if (!p) return null;
    if (p.bytesTotal) return Math.min(100, (100 * p.bytesDone) / p.bytesTotal);
    if (p.filesTotal) return Math.min(100, (100 * p.filesDone) / p.filesTotal);
    return null;
  });

  constructor() {
    inject(DestroyRef).onDestroy(() => this.subscription?.unsubscribe());
  }

  async open(id: string): Promise<void> {
    this.subscription?.unsubscribe();
    this._error.set(null);
    this.lastLogId = undefined;
    this._lines.set([]);
    this._progress.set(null);
    // Subscribe first so nothing published while the catalog is read is missed.
    this.subscription = this.live.stream({ runId: id }).subscribe((event) => {
      if (event.type === 'run.progress') this._progress.set(event);
      else if (event.type === 'run.log') this._lines.update((lines) => [...lines, { id: null, at: event.at, level: event.level, message: event.message, path: event.path }]);
      else if (event.type === 'run.state') void this.reload(id);
    });
    try {
      this._run.set(await this.api.invoke(runsGet, { id }));
      await this.readLog(id);
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    }
  }

  async readMoreLog(): Promise<void> {
    const run = this._run();
    if (run) await this.readLog(run.id);
  }

  /** The run changed state: its row and its log are now final in the catalog. */
  private async reload(id: string): Promise<void> {
    try {
      const [run, page] = await Promise.all([this.api.invoke(runsGet, { id }), this.api.invoke(runsLog, { id, afterId: this.lastLogId, limit: LOG_PAGE })]);
      // Once the run is over the catalog holds every line: swap them in for the live ones in one
      // step, so nothing flickers or doubles. While it runs, live lines not stored yet stay.
      this.acceptLog(page, !['queued', 'running'].includes(run.state));
      this._run.set(run);
      if (!this.active()) this._progress.set(null);
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    }
  }

  private async readLog(id: string): Promise<void> {
    this.acceptLog(await this.api.invoke(runsLog, { id, afterId: this.lastLogId, limit: LOG_PAGE }), false);
  }

  private acceptLog(page: LogPage, dropLive: boolean): void {
    if (page.lastId) this.lastLogId = page.lastId;
    this._moreLog.set(page.lines.length === LOG_PAGE);
    const fromCatalog: ShownLogLine[] = page.lines;
    this._lines.update((lines) => {
      const stored = lines.filter((line) => line.id !== null);
      const liveOnly = dropLive ? [] : lines.filter((line) => line.id === null && !fromCatalog.some((c) => c.message === line.message && c.at === line.at));
      return [...stored, ...fromCatalog, ...liveOnly];
    });
  }
}
