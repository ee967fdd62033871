import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { DatePipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { MatSortModule, Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink } from '@angular/router';
import { EntryDto as Entry } from '../api/models/entry-dto';
import { BytesPipe } from '../shell/bytes.pipe';
import { ArchiveFormat, BrowseState, EntrySort, archiveUrl, downloadUrl } from './browse.state';
import { HistoryDialogComponent, HistoryDialogData } from './history-dialog.component';

const PAGE_SIZES = [25, 50, 100, 200];

/**
 * Client → snapshot → directory. Everything the screen shows is in the query string
 * (?client=&seq=&path=&offset=&limit=&sort=&order=), so back/forward and links work.
 */
@Component({
  selector: 'bt-browse',
  imports: [
    DatePipe, MatButtonModule, MatCheckboxModule, MatFormFieldModule, MatIconModule, MatInputModule, MatPaginatorModule, MatProgressBarModule, MatSelectModule, MatSlideToggleModule,
    MatSortModule, MatTableModule, MatTooltipModule, RouterLink, BytesPipe,
  ],
  templateUrl: './browse.component.html',
  styleUrl: './browse.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class BrowseComponent {
  protected readonly state = inject(BrowseState);
  private readonly router = inject(Router);
  private readonly dialog = inject(MatDialog);

  readonly client = input<string>();
  readonly seq = input<string>();
  readonly path = input<string>();
  readonly offset = input<string>();
  readonly limit = input<string>();
  readonly sort = input<string>();
  readonly order = input<string>();

  protected readonly pageSizes = PAGE_SIZES;
  protected readonly columns = ['select', 'name', 'size', 'mtime', 'actions'];
  /** Paths ticked in the current directory; an archive download takes them, or the whole directory when none are. */
  protected readonly selected = signal<ReadonlySet<string>>(new Set());
  protected readonly seqNumber = computed(() => (this.seq() !== undefined && /^\d+$/.test(this.seq()!) ? Number(this.seq()) : null));
  protected readonly currentPath = computed(() => this.path() ?? '');
  protected readonly pageOffset = computed(() => Math.max(0, Number(this.offset() ?? 0) || 0));
  protected readonly pageLimit = computed(() => (PAGE_SIZES.includes(Number(this.limit())) ? Number(this.limit()) : 50));
  protected readonly sortBy = computed<EntrySort>(() => (['name', 'size', 'mtime'].includes(this.sort() ?? '') ? (this.sort() as EntrySort) : 'name'));
  protected readonly sortOrder = computed<'asc' | 'desc'>(() => (this.order() === 'desc' ? 'desc' : 'asc'));
  protected readonly selectedSnapshot = computed(() => this.state.snapshots().find((s) => s.seq === this.seqNumber()) ?? null);
  /** Root, then one crumb per directory: [label, path]. */
  protected readonly crumbs = computed(() => {
    const parts = this.currentPath() ? this.currentPath().split('/') : [];
    return parts.map((label, i) => ({ label, path: parts.slice(0, i + 1).join('/') }));
  });

  constructor() {
    void this.state.loadClients();
    effect(() => {
      const client = this.client();
      const seq = this.seqNumber();
      const request = { path: this.currentPath(), offset: this.pageOffset(), limit: this.pageLimit(), sort: this.sortBy(), order: this.sortOrder() };
      untracked(() => void this.show(client, seq, request));
    });
    effect(() => {
      // A selection belongs to one directory of one snapshot.
      this.client();
      this.seqNumber();
      this.currentPath();
      untracked(() => this.selected.set(new Set()));
    });
  }

  protected isSelected(entry: Entry): boolean {
    return this.selected().has(this.entryPath(entry));
  }

  protected toggleSelected(entry: Entry, on: boolean): void {
    const next = new Set(this.selected());
    if (on) next.add(this.entryPath(entry));
    else next.delete(this.entryPath(entry));
    this.selected.set(next);
  }

  protected clearSelection(): void {
    this.selected.set(new Set());
  }

  /** The ticked entries, else the directory shown (at the root: the whole snapshot). */
  protected archive(format: ArchiveFormat): string {
    const paths = this.selected().size > 0 ? [...this.selected()] : this.currentPath() ? [this.currentPath()] : [];
    return archiveUrl(this.client()!, this.seqNumber()!, paths, format);
  }

  protected find(query: string): void {
    if (query.trim()) void this.router.navigate(['/find'], { queryParams: { client: this.client(), q: query.trim() } });
  }

  private async show(client: string | undefined, seq: number | null, request: { path: string; offset: number; limit: number; sort: EntrySort; order: 'asc' | 'desc' }): Promise<void> {
    if (!client) return;
    const snapshots = await this.state.loadSnapshots(client);
    if (seq === null) {
      // A client without a chosen snapshot opens its newest one.
      if (snapshots[0]) await this.go({ seq: snapshots[0].seq }, true);
      return;
    }
    await this.state.loadDirectory({ clientId: client, seq, ...request });
  }

  protected pickClient(client: string): void {
    void this.go({ client, seq: null, path: null, offset: null });
  }

  protected pickSnapshot(seq: number): void {
    void this.go({ seq, offset: null });
  }

  protected openDir(path: string): void {
    void this.go({ path: path || null, offset: null });
  }

  protected entryPath(entry: Entry): string {
    return this.currentPath() ? `${this.currentPath()}/${entry.name}` : entry.name;
  }

  protected download(entry: Entry): string {
    return downloadUrl(this.client()!, this.seqNumber()!, this.entryPath(entry));
  }

  /** The Restore screen, prefilled with this snapshot and the path (none: the whole snapshot). */
  protected restoreParams(path: string): Record<string, string | number | null> {
    return { client: this.client() ?? null, seq: this.seqNumber(), path: path || null };
  }

  protected onPage(event: PageEvent): void {
    void this.go({ offset: event.pageIndex * event.pageSize || null, limit: event.pageSize === 50 ? null : event.pageSize });
  }

  protected onSort(sort: Sort): void {
    const active = sort.direction ? sort.active : 'name';
    void this.go({ sort: active === 'name' ? null : active, order: sort.direction === 'desc' ? 'desc' : null, offset: null });
  }

  protected showHistory(entry: Entry): void {
    const data: HistoryDialogData = { clientId: this.client()!, path: this.entryPath(entry), load: (clientId, path) => this.state.history(clientId, path) };
    this.dialog.open(HistoryDialogComponent, { data, width: '860px', maxWidth: '95vw' });
  }

  protected togglePin(pinned: boolean): void {
    const seq = this.seqNumber();
    if (this.client() && seq !== null) void this.state.setPinned(this.client()!, seq, pinned);
  }

  private go(params: Record<string, string | number | null>, replaceUrl = false): Promise<boolean> {
    return this.router.navigate([], { queryParams: params, queryParamsHandling: 'merge', replaceUrl });
  }
}
