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
import { RequestStatus } from '../request-status';

/** The list of clients (machines being backed up), kept in step with what this console changes. */
@Injectable()
export class ClientsState {
  private readonly api = inject(Api);
  private readonly _clients = signal<readonly Client[]>([]);
  private readonly status = new RequestStatus();

  readonly clients = this._clients.asReadonly();
  readonly loading = this.status.loading;
  readonly error = this.status.error;

  async load(): Promise<void> {
    await this.status.track(async () => {
      const clients = await this.api.invoke(clientsList);
      this._clients.set([...clients].sort((a, b) => a.name.localeCompare(b.name)));
    });
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
