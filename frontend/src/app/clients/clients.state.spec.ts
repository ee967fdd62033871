import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ClientDto as Client } from '../api/models/client-dto';
import { ClientsState } from './clients.state';

const client = (name: string): Client => ({
  id: `id-${name}`, name, hostname: `${name}.lan`, description: '', site: '', enabled: true, createdAt: '', updatedAt: '',
});

describe('ClientsState', () => {
  let state: ClientsState;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [ClientsState, provideHttpClient(), provideHttpClientTesting()] });
    state = TestBed.inject(ClientsState);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('loads the clients sorted by name and clears the loading flag', async () => {
    const done = state.load();
    expect(state.loading()).toBe(true);
    http.expectOne('/api/clients').flush([client('ws-02'), client('fileserver'), client('ws-01')]);
    await done;
    expect(state.clients().map((c) => c.name)).toEqual(['fileserver', 'ws-01', 'ws-02']);
    expect(state.loading()).toBe(false);
    expect(state.error()).toBeNull();
  });

  it('keeps the API error message', async () => {
    const done = state.load();
    http.expectOne('/api/clients').flush({ statusCode: 503, message: 'catalog unavailable' }, { status: 503, statusText: 'Service Unavailable' });
    await done;
    expect(state.error()).toBe('catalog unavailable');
  });

  it('adds a created client and drops a deleted one', async () => {
    const created = state.create({ name: 'ws-01', hostname: 'ws-01.lan' });
    const post = http.expectOne('/api/clients');
    expect(post.request.method).toBe('POST');
    expect(post.request.body).toEqual({ name: 'ws-01', hostname: 'ws-01.lan' });
    post.flush(client('ws-01'));
    await created;
    expect(state.clients().map((c) => c.name)).toEqual(['ws-01']);

    const removed = state.remove('id-ws-01');
    const del = http.expectOne('/api/clients/id-ws-01');
    expect(del.request.method).toBe('DELETE');
    del.flush(null, { status: 204, statusText: 'No Content' });
    await removed;
    expect(state.clients()).toEqual([]);
  });
});
