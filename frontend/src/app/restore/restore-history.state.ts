import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { restoresList } from '../api/fn/restores/restores-list';
import { RestoreDto as Restore } from '../api/models/restore-dto';
import { RequestStatus } from '../request-status';
import { LiveEvents } from '../runs/live-events';

/** A page of past and running restores, newest first; reread when any restore changes state. */
@Injectable()
export class RestoreHistoryState {
  private readonly api = inject(Api);
  private readonly live = inject(LiveEvents);
  private readonly _items = signal<readonly Restore[]>([]);
  private readonly _total = signal(0);
  private readonly status = new RequestStatus();
  private query = { offset: 0, limit: 10 };
  private latest = 0;

  readonly items = this._items.asReadonly();
  readonly total = this._total.asReadonly();
  readonly loading = this.status.loading;
  readonly error = this.status.error;

  constructor() {
    const subscription = this.live.stream().subscribe((event) => {
      if (event.type === 'restore.state') void this.reload();
    });
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  async load(offset: number, limit: number): Promise<void> {
    this.query = { offset, limit };
    await this.reload();
  }

  private async reload(): Promise<void> {
    const ticket = ++this.latest;
    await this.status.track(async () => {
      const page = await this.api.invoke(restoresList, this.query);
      if (ticket !== this.latest) return;
      this._items.set(page.items);
      this._total.set(page.total);
    });
  }
}
