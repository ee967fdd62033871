import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { FindResultDto as FindResult } from '../api/models/find-result-dto';
import { BrowseState } from '../browse/browse.state';
import { FindComponent } from './find.component';
import { FindState } from './find.state';

const version = (firstSeq: number, lastSeq: number | null, downloadSeq: number | null, size: number) => ({
  firstSeq, lastSeq, type: 'file' as const, size, mtime: '2025-01-01T00:00:00.000Z', sha256: String(firstSeq).repeat(64), downloadSeq,
});
const found: FindResult = {
  total: 1,
  hits: [{ path: 'docs/q1/report.xlsx', name: 'report.xlsx', versions: [version(1, 3, null, 10), version(3, null, 5, 20)] }],
};

describe('FindComponent', () => {
  let http: HttpTestingController;

  async function render(inputs: Record<string, string>) {
    TestBed.configureTestingModule({
      imports: [FindComponent],
      providers: [FindState, BrowseState, provideRouter([]), provideHttpClient(), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(FindComponent);
    for (const [name, value] of Object.entries(inputs)) fixture.componentRef.setInput(name, value);
    fixture.detectChanges();
    http.expectOne('/api/clients').flush([{ id: 'c1', name: 'ws-1', hostname: 'ws-1', description: '', site: '', enabled: true, createdAt: '', updatedAt: '' }]);
    return fixture;
  }

  afterEach(() => http.verify());

  it('searches the query from the URL and lists every version of each hit, with download and restore only where a snapshot holds it', async () => {
    const fixture = await render({ client: 'c1', q: ' report* ' });
    const request = http.expectOne((r) => r.url === '/api/clients/c1/find');
    expect(request.request.params.get('q')).toBe('report*');
    request.flush(found);
    await fixture.whenStable();
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid="find-total"]')?.textContent).toContain('1 path(s) match');
    const hit = el.querySelector('[data-hit="docs/q1/report.xlsx"]')!;
    expect(hit.textContent).toContain('2 version(s)');
    const rows = [...hit.querySelectorAll('tr[data-first-seq]')];
    expect(rows.map((r) => r.querySelector('td')?.textContent?.trim())).toEqual(['#1 – #2', '#3 – now']);
    expect(rows[0]!.textContent).toContain('expired');
    const link = rows[1]!.querySelector<HTMLAnchorElement>('a[download]')!;
    expect(link.getAttribute('href')).toBe('/api/clients/c1/snapshots/5/download?path=docs%2Fq1%2Freport.xlsx');

    const router = TestBed.inject(Router);
    const navigate = vi.spyOn(router, 'navigate').mockResolvedValue(true);
    rows[1]!.querySelector<HTMLButtonElement>('button[aria-label^="Restore"]')!.click();
    expect(navigate).toHaveBeenCalledWith(['/restore'], { queryParams: { client: 'c1', seq: 5, path: 'docs/q1/report.xlsx' } });
    rows[1]!.querySelector<HTMLButtonElement>('button[aria-label^="Open the folder"]')!.click();
    expect(navigate).toHaveBeenCalledWith(['/browse'], { queryParams: { client: 'c1', seq: 5, path: 'docs/q1' } });
  });

  it('sends nothing until there is a client and a query', async () => {
    const fixture = await render({ client: 'c1' });
    await fixture.whenStable();
    http.expectNone((r) => r.url.endsWith('/find'));
    expect((fixture.nativeElement as HTMLElement).textContent).toContain('Type a name or a glob');
  });
});
