import { Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { createClient } from '../api/fn/clients/create-client';
import { deleteClient } from '../api/fn/clients/delete-client';
import { getClient } from '../api/fn/clients/get-client';
import { listClients } from '../api/fn/clients/list-clients';
import { updateClient } from '../api/fn/clients/update-client';
import { Client } from '../api/models/client';
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
      const clients = await this.api.invoke(listClients);
      this._clients.set([...clients].sort((a, b) => a.name.localeCompare(b.name)));
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    } finally {
      this._loading.set(false);
    }
  }

  get(id: string): Promise<Client> {
    return this.api.invoke(getClient, { id });
  }

  async create(body: CreateClientDto): Promise<Client> {
    const client = await this.api.invoke(createClient, { body });
    this._clients.update((list) => [...list, client].sort((a, b) => a.name.localeCompare(b.name)));
    return client;
  }

  async update(id: string, body: UpdateClientDto): Promise<Client> {
    const client = await this.api.invoke(updateClient, { id, body });
    this._clients.update((list) => list.map((c) => (c.id === id ? client : c)));
    return client;
  }

  async remove(id: string): Promise<void> {
    await this.api.invoke(deleteClient, { id });
    this._clients.update((list) => list.filter((c) => c.id !== id));
  }
}
