import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { FindResultDto as FindResult } from '../api/models/find-result-dto';
import { FindState } from './find.state';

const result = (path: string): FindResult => ({
  total: 1,
  hits: [{ path, name: path.split('/').at(-1)!, versions: [{ firstSeq: 1, lastSeq: null, type: 'file', size: 3, mtime: '2025-01-01T00:00:00.000Z', sha256: 'a'.repeat(64), downloadSeq: 2 }] }],
});

describe('FindState', () => {
  let state: FindState;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [FindState, provideHttpClient(), provideHttpClientTesting()] });
    state = TestBed.inject(FindState);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('asks the api for one page of matches and keeps them', async () => {
    const done = state.search({ clientId: 'c1', q: 'report*.xlsx', offset: 25, limit: 25 });
    const request = http.expectOne((r) => r.url === '/api/clients/c1/find');
    expect(request.request.params.get('q')).toBe('report*.xlsx');
    expect(request.request.params.get('offset')).toBe('25');
    expect(request.request.params.get('limit')).toBe('25');
    request.flush(result('docs/report-1.xlsx'));
    await done;
    expect(state.result()?.hits.map((h) => h.path)).toEqual(['docs/report-1.xlsx']);
    expect(state.loading()).toBe(false);
  });

  it('shows only the answer to the latest search', async () => {
    const first = state.search({ clientId: 'c1', q: 'rep', offset: 0, limit: 25 });
    const second = state.search({ clientId: 'c1', q: 'report', offset: 0, limit: 25 });
    const [slow, fast] = http.match((r) => r.url === '/api/clients/c1/find');
    fast!.flush(result('docs/report.txt'));
    slow!.flush(result('docs/rep.txt'));
    await Promise.all([first, second]);
    expect(state.result()?.hits[0]?.path).toBe('docs/report.txt');
  });

  it('keeps the API error message', async () => {
    const done = state.search({ clientId: 'c1', q: 'x', offset: 0, limit: 25 });
    http.expectOne((r) => r.url === '/api/clients/c1/find').flush({ statusCode: 400, message: ['q must be shorter than or equal to 1024 characters'] }, { status: 400, statusText: 'Bad Request' });
    await done;
    expect(state.error()).toContain('q must be shorter');
  });
});
