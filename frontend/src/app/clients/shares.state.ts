import { Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { sharesCreate } from '../api/fn/shares/shares-create';
import { sharesRemove } from '../api/fn/shares/shares-remove';
import { sharesList } from '../api/fn/shares/shares-list';
import { sharesUpdate } from '../api/fn/shares/shares-update';
import { CreateShareDto } from '../api/models/create-share-dto';
import { ShareDto as Share } from '../api/models/share-dto';
import { UpdateShareDto } from '../api/models/update-share-dto';
import { RequestStatus } from '../request-status';

/** The shares of one client. Passwords never come back from the API, only `hasPassword`. */
@Injectable()
export class SharesState {
  private readonly api = inject(Api);
  private readonly _shares = signal<readonly Share[]>([]);
  private readonly status = new RequestStatus();

  readonly shares = this._shares.asReadonly();
  readonly loading = this.status.loading;
  readonly error = this.status.error;

  async load(clientId: string): Promise<void> {
    await this.status.track(async () => {
      this._shares.set(await this.api.invoke(sharesList, { clientId }));
    });
  }

  async create(clientId: string, body: CreateShareDto): Promise<Share> {
    const share = await this.api.invoke(sharesCreate, { clientId, body });
    this._shares.update((list) => [...list, share]);
    return share;
  }

  async update(id: string, body: UpdateShareDto): Promise<Share> {
    const share = await this.api.invoke(sharesUpdate, { id, body });
    this._shares.update((list) => list.map((s) => (s.id === id ? share : s)));
    return share;
  }

  async remove(id: string): Promise<void> {
    await this.api.invoke(sharesRemove, { id });
    this._shares.update((list) => list.filter((s) => s.id !== id));
  }
}
