import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Subject } from 'rxjs';
import { RestoreDto as Restore } from '../api/models/restore-dto';
import { LiveEvent } from '../runs/live-event';
import { LiveEvents } from '../runs/live-events';
import { RestoreDetailState } from './restore-detail.state';

const restore = (state: Restore['state'], over: Partial<Restore> = {}): Restore => ({
  id: 'x1', clientId: 'c1', seq: 1, paths: ['docs/sub'], destination: { clientId: 'c2', shareId: 's2', path: 'back' }, policy: 'overwrite', mirror: false,
  verifyReadBack: false, state, restored: 0, skipped: 0, renamed: 0, failed: 0, removed: 0, bytes: 0, filesTotal: 4, bytesTotal: 1200, requestedBy: 'user:u1',
  error: null, createdAt: '2026-01-01T00:00:00Z', startedAt: null, finishedAt: null, ...over,
});
const flush = () => new Promise((resolve) => setTimeout(resolve));

describe('RestoreDetailState', () => {
  let state: RestoreDetailState;
  let http: HttpTestingController;
  let events: Subject<LiveEvent>;
  let streamed: unknown[];

  beforeEach(async () => {
    events = new Subject<LiveEvent>();
    streamed = [];
    TestBed.configureTestingModule({
      providers: [
        RestoreDetailState, provideHttpClient(), provideHttpClientTesting(),
        { provide: LiveEvents, useValue: { stream: (only: unknown) => (streamed.push(only), events) } },
      ],
    });
    state = TestBed.inject(RestoreDetailState);
    http = TestBed.inject(HttpTestingController);
    const opened = state.open('x1');
    http.expectOne('/api/restores/x1').flush(restore('running'));
    http.expectOne('/api/clients').flush([
      { id: 'c1', name: 'ws', hostname: 'ws', description: '', site: '', enabled: true, createdAt: '', updatedAt: '' },
      { id: 'c2', name: 'spare', hostname: 'spare', description: '', site: '', enabled: true, createdAt: '', updatedAt: '' },
    ]);
    await flush();
    http.expectOne((r) => r.url === '/api/restores/x1/log').flush({ lines: [{ id: '7', at: '2026-01-01T00:00:01Z', level: 'info', message: 'destination share opened', path: null }], lastId: '7' });
    await flush();
    http.expectOne('/api/clients/c2/shares').flush([{ id: 's2', clientId: 'c2', name: 'spare-docs' }]);
    await opened;
  });

  afterEach(() => http.verify());

  it('listens to this restore only and names its client and destination', () => {
    expect(streamed).toEqual([{ restoreId: 'x1' }]);
    expect(state.clientName()).toBe('ws');
    expect(state.destinationClientName()).toBe('spare');
    expect(state.destinationShare()?.name).toBe('spare-docs');
    expect(state.active()).toBe(true);
  });

  it('turns progress events into a percentage, by bytes when their total is known, and ignores backup events', () => {
    events.next({ type: 'run.progress', runId: 'r', clientId: 'c1', filesDone: 1, filesTotal: 2, bytesDone: 1, bytesTotal: 2, currentPath: 'x', bytesPerSecond: 1, etaSeconds: 1 });
    expect(state.percent()).toBeNull();
    events.next({ type: 'restore.progress', restoreId: 'x1', clientId: 'c1', filesDone: 1, filesTotal: 4, bytesDone: 300, bytesTotal: 1200, currentPath: 'docs/sub/a', bytesPerSecond: 10, etaSeconds: 90 });
    expect(state.percent()).toBe(25);
    expect(state.progress()?.currentPath).toBe('docs/sub/a');
  });

  it('shows live log lines at once and swaps in the stored ones when the restore ends', async () => {
    events.next({ type: 'restore.log', restoreId: 'x1', level: 'error', message: 'hash mismatch', path: 'docs/sub/a', at: '2026-01-01T00:00:02Z' });
    expect(state.lines().map((l) => l.message)).toEqual(['destination share opened', 'hash mismatch']);
    events.next({ type: 'restore.state', restoreId: 'x1', clientId: 'c1', state: 'partial', error: null });
    http.expectOne('/api/restores/x1').flush(restore('partial', { restored: 3, failed: 1 }));
    const log = http.expectOne((r) => r.url === '/api/restores/x1/log');
    expect(log.request.params.get('afterId')).toBe('7');
    log.flush({ lines: [{ id: '8', at: '2026-01-01T00:00:02.4Z', level: 'error', message: 'hash mismatch', path: 'docs/sub/a' }], lastId: '8' });
    await flush();
    expect(state.lines().map((l) => [l.id, l.message])).toEqual([['7', 'destination share opened'], ['8', 'hash mismatch']]);
    expect(state.active()).toBe(false);
    expect(state.restore()?.failed).toBe(1);
  });

  it('keeps live lines the catalog does not have yet when the restore ends, and reads the late ones after', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      events.next({ type: 'restore.log', restoreId: 'x1', level: 'info', message: 'removed: not in the snapshot', path: 'docs/sub/extra', at: '2026-01-01T00:00:03Z' });
      events.next({ type: 'restore.state', restoreId: 'x1', clientId: 'c1', state: 'succeeded', error: null });
      http.expectOne('/api/restores/x1').flush(restore('succeeded', { removed: 1 }));
      http.expectOne((r) => r.url === '/api/restores/x1/log').flush({ lines: [], lastId: null });
      await vi.waitFor(() => expect(state.restore()?.state).toBe('succeeded'));
      expect(state.lines().map((l) => [l.id, l.message])).toEqual([['7', 'destination share opened'], [null, 'removed: not in the snapshot']]);
      vi.advanceTimersByTime(1500);
      const late = http.expectOne((r) => r.url === '/api/restores/x1/log');
      expect(late.request.params.get('afterId')).toBe('7');
      late.flush({ lines: [{ id: '8', at: '2026-01-01T00:00:03Z', level: 'info', message: 'removed: not in the snapshot', path: 'docs/sub/extra' }, { id: '9', at: '2026-01-01T00:00:04Z', level: 'info', message: 'restore succeeded', path: null }], lastId: '9' });
      await vi.waitFor(() => expect(state.lines()).toHaveLength(3));
      expect(state.lines().map((l) => [l.id, l.message])).toEqual([['7', 'destination share opened'], ['8', 'removed: not in the snapshot'], ['9', 'restore succeeded']]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('cancels through the api and shows the answer', async () => {
    const cancelling = state.cancel();
    expect(state.cancelling()).toBe(true);
    const request = http.expectOne('/api/restores/x1/cancel');
    expect(request.request.method).toBe('POST');
    request.flush(restore('cancelled'));
    await cancelling;
    expect(state.cancelling()).toBe(false);
    expect(state.restore()?.state).toBe('cancelled');
    expect(state.active()).toBe(false);
  });
});
