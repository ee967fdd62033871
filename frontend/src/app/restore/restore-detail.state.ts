import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { Subscription } from 'rxjs';
import { Api } from '../api/api';
import { clientsList } from '../api/fn/clients/clients-list';
import { restoresCancel } from '../api/fn/restores/restores-cancel';
import { restoresGet } from '../api/fn/restores/restores-get';
import { restoresLog } from '../api/fn/restores/restores-log';
import { sharesList } from '../api/fn/shares/shares-list';
import { ClientDto as Client } from '../api/models/client-dto';
import { RestoreDto as Restore } from '../api/models/restore-dto';
import { RestoreLogLineDto as LogLine } from '../api/models/restore-log-line-dto';
import { RestoreLogPageDto as LogPage } from '../api/models/restore-log-page-dto';
import { ShareDto as Share } from '../api/models/share-dto';
import { httpErrorMessage } from '../http-error-message';
import { RestoreProgressEvent } from '../runs/live-event';
import { LiveEvents } from '../runs/live-events';

const LOG_PAGE = 500;
const LATE_LOG_MS = 1500;
const ACTIVE: readonly Restore['state'][] = ['queued', 'running'];

/** A line shown in the log: from the catalog (with an id) or just received live (without). */
export type ShownLogLine = Pick<LogLine, 'at' | 'level' | 'message' | 'path'> & { id: string | null };

/** One restore: its row, its log (catalog pages plus live lines), its live progress, and Cancel. */
@Injectable()
export class RestoreDetailState {
  private readonly api = inject(Api);
  private readonly live = inject(LiveEvents);
  private readonly _restore = signal<Restore | null>(null);
  private readonly _clients = signal<readonly Client[]>([]);
  private readonly _destinationShare = signal<Share | null>(null);
  private readonly _lines = signal<readonly ShownLogLine[]>([]);
  private readonly _progress = signal<RestoreProgressEvent | null>(null);
  private readonly _error = signal<string | null>(null);
  private readonly _moreLog = signal(false);
  private readonly _cancelling = signal(false);
  private lastLogId: string | undefined;
  private subscription: Subscription | undefined;
  private lateLog: ReturnType<typeof setTimeout> | undefined;

  readonly restore = this._restore.asReadonly();
  readonly lines = this._lines.asReadonly();
  readonly progress = this._progress.asReadonly();
  readonly error = this._error.asReadonly();
  readonly moreLog = this._moreLog.asReadonly();
  readonly cancelling = this._cancelling.asReadonly();
  readonly destinationShare = this._destinationShare.asReadonly();
  readonly active = computed(() => ACTIVE.includes(this._restore()?.state ?? 'failed'));
  readonly clientName = computed(() => this.nameOf(this._restore()?.clientId));
  readonly destinationClientName = computed(() => this.nameOf(this._restore()?.destination?.clientId));
  /** 0–100 when a total is known (bytes preferred, else files); null for an indeterminate bar. */
  readonly percent = computed(() => {
    const p = this._progress();
    if (!p) return null;
    if (p.bytesTotal) return Math.min(100, (100 * p.bytesDone) / p.bytesTotal);
    if (p.filesTotal) return Math.min(100, (100 * p.filesDone) / p.filesTotal);
    return null;
  });

  constructor() {
    inject(DestroyRef).onDestroy(() => {
      this.subscription?.unsubscribe();
      clearTimeout(this.lateLog);
    });
  }

  async open(id: string): Promise<void> {
    this.subscription?.unsubscribe();
    this._error.set(null);
    this.lastLogId = undefined;
    this._lines.set([]);
    this._progress.set(null);
    // Subscribe first so nothing published while the catalog is read is missed.
    this.subscription = this.live.stream({ restoreId: id }).subscribe((event) => {
      if (event.type === 'restore.progress') this._progress.set(event);
      else if (event.type === 'restore.log') this._lines.update((lines) => [...lines, { id: null, at: event.at, level: event.level, message: event.message, path: event.path }]);
      else if (event.type === 'restore.state') void this.reload(id);
    });
    try {
      const [restore, clients] = await Promise.all([this.api.invoke(restoresGet, { id }), this.api.invoke(clientsList)]);
      this._clients.set(clients);
      this._restore.set(restore);
      await this.readLog(id);
      if (restore.destination) {
        const shares = await this.api.invoke(sharesList, { clientId: restore.destination.clientId });
        this._destinationShare.set(shares.find((s) => s.id === restore.destination!.shareId) ?? null);
      }
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    }
  }

  async readMoreLog(): Promise<void> {
    const restore = this._restore();
    if (restore) await this.readLog(restore.id);
  }

  async cancel(): Promise<void> {
    const restore = this._restore();
    if (!restore) return;
    this._cancelling.set(true);
    try {
      this._restore.set(await this.api.invoke(restoresCancel, { id: restore.id }));
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    } finally {
      this._cancelling.set(false);
    }
  }

  private nameOf(clientId: string | undefined): string | null {
    if (!clientId) return null;
    return this._clients().find((c) => c.id === clientId)?.name ?? null;
  }

  /**
   * The restore changed state: read its row and the lines stored since. The worker stores its last
   * lines just after it announces the end, so live lines the catalog lacks stay, and the log is read
   * once more shortly after to pick up what was stored late (and lines sent before this page listened).
   */
  private async reload(id: string): Promise<void> {
    try {
      const [restore, page] = await Promise.all([this.api.invoke(restoresGet, { id }), this.api.invoke(restoresLog, { id, afterId: this.lastLogId, limit: LOG_PAGE })]);
      this.acceptLog(page);
      this._restore.set(restore);
      if (!this.active()) {
        this._progress.set(null);
        clearTimeout(this.lateLog);
        this.lateLog = setTimeout(() => void this.readLog(id).catch((err: unknown) => this._error.set(httpErrorMessage(err))), LATE_LOG_MS);
      }
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    }
  }

  private async readLog(id: string): Promise<void> {
    this.acceptLog(await this.api.invoke(restoresLog, { id, afterId: this.lastLogId, limit: LOG_PAGE }));
  }

  /** Stored lines in order; a live line is dropped once the same line arrives from the catalog. */
  private acceptLog(page: LogPage): void {
    if (page.lastId) this.lastLogId = page.lastId;
    this._moreLog.set(page.lines.length === LOG_PAGE);
    const fromCatalog: ShownLogLine[] = page.lines;
    this._lines.update((lines) => {
      const stored = lines.filter((line) => line.id !== null);
      const liveOnly = lines.filter((line) => line.id === null && !fromCatalog.some((c) => c.message === line.message && c.path === line.path));
      return [...stored, ...fromCatalog, ...liveOnly];
    });
  }
}
