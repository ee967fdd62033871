import { Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { createShare } from '../api/fn/shares/create-share';
import { deleteShare } from '../api/fn/shares/delete-share';
import { listShares } from '../api/fn/shares/list-shares';
import { updateShare } from '../api/fn/shares/update-share';
import { CreateShareDto } from '../api/models/create-share-dto';
import { Share } from '../api/models/share';
import { UpdateShareDto } from '../api/models/update-share-dto';
import { httpErrorMessage } from '../http-error-message';

/** The shares of one client. Passwords never come back from the API, only `hasPassword`. */
@Injectable()
export class SharesState {
  private readonly api = inject(Api);
  private readonly _shares = signal<readonly Share[]>([]);
  private readonly _loading = signal(false);
  private readonly _error = signal<string | null>(null);

  readonly shares = this._shares.asReadonly();
  readonly loading = this._loading.asReadonly();
  readonly error = this._error.asReadonly();

  async load(clientId: string): Promise<void> {
    this._loading.set(true);
    this._error.set(null);
    try {
      this._shares.set(await this.api.invoke(listShares, { clientId }));
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    } finally {
      this._loading.set(false);
    }
  }

  async create(clientId: string, body: CreateShareDto): Promise<Share> {
    const share = await this.api.invoke(createShare, { clientId, body });
    this._shares.update((list) => [...list, share]);
    return share;
  }

  async update(id: string, body: UpdateShareDto): Promise<Share> {
    const share = await this.api.invoke(updateShare, { id, body });
    this._shares.update((list) => list.map((s) => (s.id === id ? share : s)));
    return share;
  }

  async remove(id: string): Promise<void> {
    await this.api.invoke(deleteShare, { id });
    this._shares.update((list) => list.filter((s) => s.id !== id));
  }
}
