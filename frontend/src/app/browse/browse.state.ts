import { Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { clientsList } from '../api/fn/clients/clients-list';
import { snapshotsEntries } from '../api/fn/snapshots/snapshots-entries';
import { snapshotsHistory } from '../api/fn/snapshots/snapshots-history';
import { snapshotsList } from '../api/fn/snapshots/snapshots-list';
import { snapshotsUpdate } from '../api/fn/snapshots/snapshots-update';
import { ClientDto as Client } from '../api/models/client-dto';
import { EntryPageDto as EntryPage } from '../api/models/entry-page-dto';
import { HistoryDto as History } from '../api/models/history-dto';
import { SnapshotDto as Snapshot } from '../api/models/snapshot-dto';
import { RequestStatus } from '../request-status';

export type EntrySort = 'name' | 'size' | 'mtime';

export interface DirectoryRequest {
  clientId: string;
  seq: number;
  path: string;
  offset: number;
  limit: number;
  sort: EntrySort;
  order: 'asc' | 'desc';
}

/** The download URL of one file version; the session cookie goes along (same origin). */
export function downloadUrl(clientId: string, seq: number, path: string): string {
  return `/api/clients/${encodeURIComponent(clientId)}/snapshots/${seq}/download?path=${encodeURIComponent(path)}`;
}

export type ArchiveFormat = 'zip' | 'tar' | 'tar.gz';

/** The archive URL of some paths of a snapshot (none: the whole snapshot); streamed by the api. */
export function archiveUrl(clientId: string, seq: number, paths: readonly string[], format: ArchiveFormat): string {
  const query = [`format=${encodeURIComponent(format)}`, ...paths.map((p) => `path=${encodeURIComponent(p)}`)].join('&');
  return `/api/clients/${encodeURIComponent(clientId)}/snapshots/${seq}/archive?${query}`;
}

/** Clients, a client's snapshots and one page of one directory of one snapshot. */
@Injectable()
export class BrowseState {
  private readonly api = inject(Api);
  private readonly _clients = signal<readonly Client[]>([]);
  private readonly _snapshots = signal<readonly Snapshot[]>([]);
  private readonly _page = signal<EntryPage | null>(null);
  private readonly status = new RequestStatus();
  private snapshotsOf: string | null = null;
  private latestRequest = 0;

  readonly clients = this._clients.asReadonly();
  readonly snapshots = this._snapshots.asReadonly();
  readonly page = this._page.asReadonly();
  readonly loading = this.status.loading;
  readonly error = this.status.error;

  async loadClients(): Promise<void> {
    await this.status.track(async () => this._clients.set(await this.api.invoke(clientsList)));
  }

  /** Snapshots of the client, newest first; cached while the same client stays selected. */
  async loadSnapshots(clientId: string): Promise<readonly Snapshot[]> {
    if (this.snapshotsOf === clientId) return this._snapshots();
    this.snapshotsOf = clientId;
    this._snapshots.set([]);
    this._page.set(null);
    await this.status.track(async () => this._snapshots.set(await this.api.invoke(snapshotsList, { id: clientId })));
    return this._snapshots();
  }

  async loadDirectory(request: DirectoryRequest): Promise<void> {
    // Only the answer to the latest request is shown when the user clicks faster than the api answers.
    const ticket = ++this.latestRequest;
    await this.status.track(async () => {
      const page = await this.api.invoke(snapshotsEntries, {
        id: request.clientId, seq: request.seq, path: request.path || undefined, limit: request.limit, offset: request.offset,
        sort: request.sort, order: request.order,
      });
      if (ticket === this.latestRequest) this._page.set(page);
    });
  }

  async setPinned(clientId: string, seq: number, pinned: boolean): Promise<void> {
    await this.status.track(async () => {
      const updated = await this.api.invoke(snapshotsUpdate, { id: clientId, seq, body: { pinned } });
      this._snapshots.update((list) => list.map((s) => (s.seq === seq ? updated : s)));
    });
  }

  history(clientId: string, path: string): Promise<History> {
    return this.api.invoke(snapshotsHistory, { id: clientId, path });
  }
}
