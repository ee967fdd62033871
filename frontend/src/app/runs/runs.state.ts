import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { runsGet } from '../api/fn/runs/runs-get';
import { runsList } from '../api/fn/runs/runs-list';
import { RunDto as Run } from '../api/models/run-dto';
import { LiveEvents } from './live-events';
import { RequestStatus } from '../request-status';

export type RunStateFilter = Run['state'] | '';

const PAGE = 50;

/** The runs list: newest first, filtered by state and client, paged by a cursor, kept live by events. */
@Injectable()
export class RunsState {
  private readonly api = inject(Api);
  private readonly live = inject(LiveEvents);
  private readonly _runs = signal<readonly Run[]>([]);
  private readonly status = new RequestStatus();
  private readonly _nextBefore = signal<string | null>(null);
  private filter: { state: RunStateFilter; clientId: string } = { state: '', clientId: '' };

  readonly runs = this._runs.asReadonly();
  readonly loading = this.status.loading;
  readonly error = this.status.error;
  readonly hasMore = () => this._nextBefore() !== null;

  constructor() {
    const subscription = this.live.stream().subscribe((event) => {
      if (event.type === 'run.state') void this.refreshOne(event.runId);
    });
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  async load(filter: { state: RunStateFilter; clientId: string }): Promise<void> {
    this.filter = filter;
    this._runs.set([]);
    this._nextBefore.set(null);
    await this.fetch(undefined);
  }

  async loadMore(): Promise<void> {
    const before = this._nextBefore();
    if (before) await this.fetch(before);
  }

  private async fetch(before: string | undefined): Promise<void> {
    await this.status.track(async () => {
      const page = await this.api.invoke(runsList, {
        limit: PAGE,
        before,
        state: this.filter.state || undefined,
        clientId: this.filter.clientId || undefined,
      });
      this._runs.update((list) => [...list, ...page.runs]);
      this._nextBefore.set(page.nextBefore);
    });
  }

  /** A run changed state: replace its row, or put it on top when it is new and matches the filter. */
  private async refreshOne(id: string): Promise<void> {
    try {
      const run = await this.api.invoke(runsGet, { id });
      const matches = (!this.filter.state || run.state === this.filter.state) && (!this.filter.clientId || run.clientId === this.filter.clientId);
      this._runs.update((list) => {
        const known = list.some((r) => r.id === id);
        if (known) return matches ? list.map((r) => (r.id === id ? run : r)) : list.filter((r) => r.id !== id);
        return matches ? [run, ...list] : list;
      });
    } catch {
      // the next full load shows it
    }
  }
}
