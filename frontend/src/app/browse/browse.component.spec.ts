import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { BrowseComponent } from './browse.component';
import { BrowseState } from './browse.state';

const entry = (name: string, type: 'file' | 'dir') => ({ name, type, size: 1, mtime: '2025-01-01T00:00:00.000Z', sha256: null, linkTarget: null });
const snapshot = { seq: 2, runId: null, kind: 'full', partial: false, fileCount: 2, totalBytes: 2, pinned: false, createdAt: '', completedAt: '2025-01-02T00:00:00.000Z' };

describe('BrowseComponent archive downloads and find box', () => {
  let http: HttpTestingController;

  async function render(path: string | undefined) {
    TestBed.configureTestingModule({ imports: [BrowseComponent], providers: [BrowseState, provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(BrowseComponent);
    fixture.componentRef.setInput('client', 'c1');
    fixture.componentRef.setInput('seq', '2');
    if (path) fixture.componentRef.setInput('path', path);
    const settle = async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      await fixture.whenStable();
      fixture.detectChanges();
    };
    fixture.detectChanges();
    http.expectOne('/api/clients').flush([]);
    http.expectOne('/api/clients/c1/snapshots').flush([snapshot]);
    await settle();
    http.expectOne((r) => r.url === '/api/clients/c1/snapshots/2/entries').flush({ path: path ?? '', entries: [entry('sub', 'dir'), entry('a b.txt', 'file')], total: 2 });
    await settle();
    const el = fixture.nativeElement as HTMLElement;
    const href = (format: string) => el.querySelector(`[data-testid="download-${format}"]`)!.getAttribute('href');
    return { fixture, el, href };
  }

  afterEach(() => http.verify());

  it('downloads the folder shown, then exactly the ticked entries', async () => {
    const { fixture, el, href } = await render('docs');
    expect(el.querySelector('[data-testid="archive-bar"]')?.textContent).toContain('This folder');
    expect(href('zip')).toBe('/api/clients/c1/snapshots/2/archive?format=zip&path=docs');
    for (const name of ['sub', 'a b.txt']) el.querySelector<HTMLInputElement>(`input[aria-label="Select ${name}"]`)!.click();
    fixture.detectChanges();
    expect(el.querySelector('[data-testid="archive-bar"]')?.textContent).toContain('2 selected');
    expect(href('tar')).toBe('/api/clients/c1/snapshots/2/archive?format=tar&path=docs%2Fsub&path=docs%2Fa%20b.txt');
    el.querySelector<HTMLInputElement>('input[aria-label="Select sub"]')!.click();
    fixture.detectChanges();
    expect(href('zip')).toBe('/api/clients/c1/snapshots/2/archive?format=zip&path=docs%2Fa%20b.txt');
  });

  it('downloads the whole snapshot from the root', async () => {
    const { el, href } = await render(undefined);
    expect(el.querySelector('[data-testid="archive-bar"]')?.textContent).toContain('The whole snapshot');
    expect(href('zip')).toBe('/api/clients/c1/snapshots/2/archive?format=zip');
  });

  it('opens Find for the client with the typed query', async () => {
    const { el } = await render('docs');
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    const box = el.querySelector<HTMLInputElement>('[data-testid="find-box"]')!;
    box.value = ' report*.xlsx ';
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    expect(navigate).toHaveBeenCalledWith(['/find'], { queryParams: { client: 'c1', q: 'report*.xlsx' } });
  });
});
