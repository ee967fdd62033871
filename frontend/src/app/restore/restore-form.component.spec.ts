import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { EMPTY } from 'rxjs';
import { LiveEvents } from '../runs/live-events';
import { RestoreFormComponent } from './restore-form.component';
import { RestoreFormState } from './restore-form.state';
import { RestoreHistoryState } from './restore-history.state';

const client = (id: string, name: string) => ({ id, name, hostname: name, description: '', site: '', enabled: true, createdAt: '', updatedAt: '' });
const share = (id: string, clientId: string, name: string) => ({ id, clientId, name, url: `smb://h/${name}`, username: 'u', domain: '', hasPassword: true, excludes: [], preCommand: '', postCommand: '', createdAt: '', updatedAt: '' });
const snapshot = (seq: number, completedAt: string) => ({ seq, completedAt, createdAt: completedAt, partial: false, fileCount: 12, totalBytes: 4096, kind: 'full', pinned: false, runId: null });
const entry = (name: string, type: 'file' | 'dir', size = 0) => ({ name, type, size, mtime: '2026-01-01T00:00:00Z', sha256: null, linkTarget: null });
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve));
};

describe('RestoreFormComponent', () => {
  let http: HttpTestingController;

  async function open(params: Record<string, string | string[]>) {
    TestBed.configureTestingModule({
      imports: [RestoreFormComponent],
      providers: [RestoreFormState, RestoreHistoryState, provideHttpClient(), provideHttpClientTesting(), provideRouter([{ path: 'restore/:id', children: [] }]), { provide: LiveEvents, useValue: { stream: () => EMPTY } }],
    });
    http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(RestoreFormComponent);
    for (const [name, value] of Object.entries(params)) fixture.componentRef.setInput(name, value);
    fixture.detectChanges();
    http.expectOne('/api/clients').flush([client('c1', 'ws'), client('c2', 'spare')]);
    http.expectOne((r) => r.url === '/api/restores').flush({ items: [], total: 0 });
    await settle();
    http.expectOne('/api/clients/c1/snapshots').flush([snapshot(2, '2026-02-01T00:00:00Z'), snapshot(1, '2026-01-01T00:00:00Z')]);
    http.expectOne('/api/clients/c1/shares').flush([share('s1', 'c1', 'docs')]);
    await settle();
    fixture.detectChanges();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  afterEach(() => http.verify());

  it('opens prefilled from ?client&seq&path: that snapshot, the parent folder one page at a time, the path ticked', async () => {
    const { fixture, el } = await open({ client: 'c1', seq: '1', path: ['docs/sub', 'docs/a.txt'] });
    const folder = http.expectOne((r) => r.url === '/api/clients/c1/snapshots/1/entries');
    expect(folder.request.params.get('path')).toBe('docs');
    expect(folder.request.params.get('limit')).toBe('100');
    expect(folder.request.params.get('offset')).toBe('0');
    folder.flush({ path: 'docs', total: 100_000, entries: [entry('sub', 'dir'), entry('a.txt', 'file', 10), entry('b.txt', 'file', 20)] });
    await settle();
    fixture.detectChanges();
    expect(el.querySelector('[data-testid="chosen-snapshot"]')!.textContent).toContain('snapshot #1');
    expect(el.querySelector('.bt-timeline-mark.bt-selected')!.getAttribute('data-seq')).toBe('1');
    expect(el.querySelector('[data-testid="picked"]')!.textContent).toContain('2 ticked');
    const checked = [...el.querySelectorAll('tr[data-entry]')].filter((tr) => tr.querySelector('input[type="checkbox"]:checked')).map((tr) => tr.getAttribute('data-entry'));
    expect(checked).toEqual(['sub', 'a.txt']);
    expect(el.querySelector('mat-paginator')!.textContent).toContain('100000');
  });

  it('restores "as of" a moment: shows the snapshot it stands for and sends the moment, not a seq', async () => {
    const { fixture, el } = await open({ client: 'c1' });
    // No snapshot asked for: the newest one is shown first.
    http.expectOne((r) => r.url === '/api/clients/c1/snapshots/2/entries').flush({ path: '', total: 1, entries: [entry('docs', 'dir')] });
    await settle();
    fixture.detectChanges();
    (el.querySelector('[data-testid="mode-as-of"] button') as HTMLButtonElement).click();
    fixture.detectChanges();
    const input = el.querySelector('[data-testid="as-of"]') as HTMLInputElement;
    const moment = new Date('2026-01-15T12:00:00Z');
    const local = new Date(moment.getTime() - moment.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    input.value = local;
    input.dispatchEvent(new Event('input'));
    await settle();
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/api/clients/c1/snapshots/1/entries').flush({ path: '', total: 1, entries: [entry('docs', 'dir')] });
    await settle();
    fixture.detectChanges();
    expect(el.querySelector('[data-testid="chosen-snapshot"]')!.textContent).toContain('snapshot #1');
    (el.querySelector('[data-testid="start-restore"]') as HTMLButtonElement).click();
    await settle();
    (document.querySelector('[data-testid="confirm-start"]') as HTMLButtonElement).click();
    let requests = http.match((r) => r.url === '/api/restores' && r.method === 'POST');
    for (let waited = 0; requests.length === 0; waited += 20) {
      if (waited > 2000) throw new Error('no restore was requested');
      await new Promise((resolve) => setTimeout(resolve, 20));
      requests = http.match((r) => r.url === '/api/restores' && r.method === 'POST');
    }
    expect(requests[0]!.request.body).toEqual({ clientId: 'c1', asOf: '2026-01-15T12:00:00.000Z', policy: 'overwrite' });
    requests[0]!.flush({ id: 'x2' });
    await settle();
  });

  it('asks about deletion before a mirror restore and sends the confirmed request', async () => {
    const { fixture, el } = await open({ client: 'c1', seq: '2' });
    http.expectOne((r) => r.url === '/api/clients/c1/snapshots/2/entries').flush({ path: '', total: 1, entries: [entry('docs', 'dir')] });
    await settle();
    fixture.detectChanges();
    (el.querySelector('tr[data-entry="docs"] input[type="checkbox"]') as HTMLInputElement).click();
    (el.querySelector('[data-testid="mirror"] input') as HTMLInputElement).click();
    fixture.detectChanges();
    expect(el.querySelector('[data-testid="summary"]')!.textContent).toContain('1 folder');
    (el.querySelector('[data-testid="start-restore"]') as HTMLButtonElement).click();
    await settle();
    fixture.detectChanges();
    const dialog = document.querySelector('[data-testid="restore-confirm"]')!;
    expect(dialog.textContent).toContain('will be removed');
    const startButton = document.querySelector('[data-testid="confirm-start"]') as HTMLButtonElement;
    expect(startButton.disabled).toBe(true);
    (document.querySelector('[data-testid="confirm-mirror"] input') as HTMLInputElement).click();
    await settle();
    fixture.detectChanges();
    expect(startButton.disabled).toBe(false);
    startButton.click();
    // The dialog reports its answer once its closing animation has finished.
    let requests = http.match((r) => r.url === '/api/restores' && r.method === 'POST');
    for (let waited = 0; requests.length === 0; waited += 20) {
      if (waited > 2000) throw new Error('no restore was requested');
      await new Promise((resolve) => setTimeout(resolve, 20));
      requests = http.match((r) => r.url === '/api/restores' && r.method === 'POST');
    }
    expect(requests).toHaveLength(1);
    const create = requests[0]!;
    expect(create.request.method).toBe('POST');
    expect(create.request.body).toEqual({ clientId: 'c1', seq: 2, paths: ['docs'], policy: 'overwrite', mirror: true, confirmMirror: true });
    create.flush({ id: 'x1' });
    await settle();
    expect(TestBed.inject(Router).url).toBe('/restore/x1');
  });
});
