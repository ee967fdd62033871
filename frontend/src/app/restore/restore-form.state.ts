import { Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { clientsList } from '../api/fn/clients/clients-list';
import { restoresCreate } from '../api/fn/restores/restores-create';
import { sharesList } from '../api/fn/shares/shares-list';
import { snapshotsEntries } from '../api/fn/snapshots/snapshots-entries';
import { snapshotsList } from '../api/fn/snapshots/snapshots-list';
import { ClientDto as Client } from '../api/models/client-dto';
import { CreateRestoreDto } from '../api/models/create-restore-dto';
import { EntryPageDto as EntryPage } from '../api/models/entry-page-dto';
import { RestoreDto as Restore } from '../api/models/restore-dto';
import { ShareDto as Share } from '../api/models/share-dto';
import { SnapshotDto as Snapshot } from '../api/models/snapshot-dto';
import { httpErrorMessage } from '../http-error-message';
import { RequestStatus } from '../request-status';

/** One page of one folder of the snapshot being restored from. */
export interface FolderRequest {
  clientId: string;
  seq: number;
  path: string;
  offset: number;
  limit: number;
}

/** What the new-restore form reads from the api (clients, snapshots, one folder page, shares) and its submit. */
@Injectable()
export class RestoreFormState {
  private readonly api = inject(Api);
  private readonly _clients = signal<readonly Client[]>([]);
  private readonly _snapshots = signal<readonly Snapshot[]>([]);
  private readonly _page = signal<EntryPage | null>(null);
  private readonly _shares = signal<ReadonlyMap<string, readonly Share[]>>(new Map());
  private readonly _submitting = signal(false);
  private readonly _submitError = signal<string | null>(null);
  private readonly status = new RequestStatus();
  private snapshotsOf: string | null = null;
  private latestFolder = 0;

  readonly clients = this._clients.asReadonly();
  readonly snapshots = this._snapshots.asReadonly();
  readonly page = this._page.asReadonly();
  /** Shares by client id, for the clients asked about so far. */
  readonly shares = this._shares.asReadonly();
  readonly loading = this.status.loading;
  readonly error = this.status.error;
  readonly submitting = this._submitting.asReadonly();
  readonly submitError = this._submitError.asReadonly();

  async loadClients(): Promise<void> {
    await this.status.track(async () => this._clients.set(await this.api.invoke(clientsList)));
  }

  /** The client's snapshots, newest first; kept while the same client stays picked. */
  async loadSnapshots(clientId: string): Promise<readonly Snapshot[]> {
    if (this.snapshotsOf === clientId) return this._snapshots();
    this.snapshotsOf = clientId;
    this._snapshots.set([]);
    this._page.set(null);
    await this.status.track(async () => this._snapshots.set(await this.api.invoke(snapshotsList, { id: clientId })));
    return this._snapshots();
  }

  /** One page only: a folder of 100,000 entries is never read whole. */
  async loadFolder(request: FolderRequest): Promise<void> {
    const ticket = ++this.latestFolder;
    await this.status.track(async () => {
      const page = await this.api.invoke(snapshotsEntries, {
        id: request.clientId, seq: request.seq, path: request.path || undefined, offset: request.offset, limit: request.limit, sort: 'name', order: 'asc',
      });
      if (ticket === this.latestFolder) this._page.set(page);
    });
  }

  clearFolder(): void {
    this.latestFolder++;
    this._page.set(null);
  }

  async loadShares(clientId: string): Promise<void> {
    if (this._shares().has(clientId)) return;
    await this.status.track(async () => {
      const shares = await this.api.invoke(sharesList, { clientId });
      this._shares.update((all) => new Map(all).set(clientId, shares));
    });
  }

  /** The created restore, or null with `submitError` set. */
  async submit(body: CreateRestoreDto): Promise<Restore | null> {
    this._submitting.set(true);
    this._submitError.set(null);
    try {
      return await this.api.invoke(restoresCreate, { body });
    } catch (err) {
      this._submitError.set(httpErrorMessage(err));
      return null;
    } finally {
      this._submitting.set(false);
    }
  }
}
