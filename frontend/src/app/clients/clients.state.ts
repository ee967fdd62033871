import { Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { clientsCreate } from '../api/fn/clients/clients-create';
import { clientsRemove } from '../api/fn/clients/clients-remove';
import { clientsGet } from '../api/fn/clients/clients-get';
import { clientsList } from '../api/fn/clients/clients-list';
import { clientsUpdate } from '../api/fn/clients/clients-update';
import { ClientDto as Client } from '../api/models/client-dto';
import { CreateClientDto } from '../api/models/create-client-dto';
import { UpdateClientDto } from '../api/models/update-client-dto';
import { httpErrorMessage } from '../http-error-message';

/** The list of clients (machines being backed up), kept in step with what this console changes. */
@Injectable()
export class ClientsState {
  private readonly api = inject(Api);
  private readonly _clients = signal<readonly Client[]>([]);
  private readonly _loading = signal(false);
  private readonly _error = signal<string | null>(null);

  readonly clients = this._clients.asReadonly();
  readonly loading = this._loading.asReadonly();
  readonly error = this._error.asReadonly();

  async load(): Promise<void> {
    this._loading.set(true);
    this._error.set(null);
    try {
      const clients = await this.api.invoke(clientsList);
      this._clients.set([...clients].sort((a, b) => a.name.localeCompare(b.name)));
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    } finally {
      this._loading.set(false);
    }
  }

  get(id: string): Promise<Client> {
    return this.api.invoke(clientsGet, { id });
  }

  async create(body: CreateClientDto): Promise<Client> {
    const client = await this.api.invoke(clientsCreate, { body });
    this._clients.update((list) => [...list, client].sort((a, b) => a.name.localeCompare(b.name)));
    return client;
  }

  async update(id: string, body: UpdateClientDto): Promise<Client> {
    const client = await this.api.invoke(clientsUpdate, { id, body });
    this._clients.update((list) => list.map((c) => (c.id === id ? client : c)));
    return client;
  }

  async remove(id: string): Promise<void> {
    await this.api.invoke(clientsRemove, { id });
    this._clients.update((list) => list.filter((c) => c.id !== id));
  }
}
