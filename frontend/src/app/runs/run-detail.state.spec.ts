import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Subject } from 'rxjs';
import { RunDto as Run } from '../api/models/run-dto';
import { LiveEvent } from './live-event';
import { LiveEvents } from './live-events';
import { RunDetailState } from './run-detail.state';

const run = (state: Run['state']): Run => ({
  id: 'r1', clientId: 'c1', clientName: 'ws', jobId: 'j', seq: 3, kind: 'incremental', trigger: 'manual', state, mode: null,
  filesNew: 0, filesChanged: 0, filesUnchanged: 0, filesSkipped: 0, filesDeleted: 0, bytesRead: 0, bytesStoredNew: 0, bytesTotal: 0,
  error: null, attempts: 1, queuedAt: '2026-01-01T00:00:00Z', startedAt: null, finishedAt: null,
});
const flush = () => new Promise((resolve) => setTimeout(resolve));

describe('RunDetailState', () => {
  let state: RunDetailState;
  let http: HttpTestingController;
  let events: Subject<LiveEvent>;

  beforeEach(async () => {
    events = new Subject<LiveEvent>();
    TestBed.configureTestingModule({
      providers: [RunDetailState, provideHttpClient(), provideHttpClientTesting(), { provide: LiveEvents, useValue: { stream: () => events } }],
    });
    state = TestBed.inject(RunDetailState);
    http = TestBed.inject(HttpTestingController);
    const opened = state.open('r1');
    http.expectOne('/api/runs/r1').flush(run('running'));
    await flush();
    http.expectOne((r) => r.url === '/api/runs/r1/log').flush({ lines: [{ id: '1', at: '2026-01-01T00:00:01Z', level: 'info', message: 'walk started', path: null }], lastId: '1' });
    await opened;
  });

  it('turns progress events into a percentage, by bytes when their total is known', () => {
    expect(state.percent()).toBeNull();
    events.next({ type: 'run.progress', runId: 'r1', clientId: 'c1', filesDone: 1, filesTotal: 4, bytesDone: 300, bytesTotal: 1200, currentPath: 'a', bytesPerSecond: 1, etaSeconds: 1 });
    expect(state.percent()).toBe(25);
    events.next({ type: 'run.progress', runId: 'r1', clientId: 'c1', filesDone: 3, filesTotal: 4, bytesDone: 0, bytesTotal: null, currentPath: 'b', bytesPerSecond: 1, etaSeconds: 1 });
    expect(state.percent()).toBe(75);
  });

  it('shows live log lines at once and replaces them with the stored ones when the run ends', async () => {
    events.next({ type: 'run.log', runId: 'r1', level: 'warn', message: 'skipped', path: 'x', at: '2026-01-01T00:00:02Z' });
    expect(state.lines().map((l) => l.message)).toEqual(['walk started', 'skipped']);
    events.next({ type: 'run.state', runId: 'r1', clientId: 'c1', state: 'partial', error: null });
    http.expectOne('/api/runs/r1').flush(run('partial'));
    const log = http.expectOne((r) => r.url === '/api/runs/r1/log');
    expect(log.request.params.get('afterId')).toBe('1');
    log.flush({ lines: [{ id: '2', at: '2026-01-01T00:00:02.5Z', level: 'warn', message: 'skipped', path: 'x' }], lastId: '2' });
    await flush();
    expect(state.lines().map((l) => [l.id, l.message])).toEqual([['1', 'walk started'], ['2', 'skipped']]);
    expect(state.active()).toBe(false);
    expect(state.run()?.state).toBe('partial');
  });
});
