import { ChangeDetectionStrategy, Component, computed, effect, inject, input, untracked } from '@angular/core';
import { DatePipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatExpansionModule } from '@angular/material/expansion';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router } from '@angular/router';
import { FindHitDto as FindHit } from '../api/models/find-hit-dto';
import { FoundVersionDto as FoundVersion } from '../api/models/found-version-dto';
import { BrowseState, archiveUrl, downloadUrl } from '../browse/browse.state';
import { BytesPipe } from '../shell/bytes.pipe';
import { FindState } from './find.state';

const PAGE_SIZES = [25, 50, 100];

/**
 * "Where is report*.xlsx, every version": a client, a name or glob, and one page of matching paths,
 * each with its versions. The query string (?client=&q=&offset=&limit=) holds the whole screen.
 */
@Component({
  selector: 'bt-find',
  imports: [
    DatePipe, MatButtonModule, MatExpansionModule, MatFormFieldModule, MatIconModule, MatInputModule, MatPaginatorModule, MatProgressBarModule,
    MatSelectModule, MatTableModule, MatTooltipModule, BytesPipe,
  ],
  templateUrl: './find.component.html',
  styleUrl: './find.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FindComponent {
  protected readonly state = inject(FindState);
  protected readonly browse = inject(BrowseState);
  private readonly router = inject(Router);

  readonly client = input<string>();
  readonly q = input<string>();
  readonly offset = input<string>();
  readonly limit = input<string>();

  protected readonly pageSizes = PAGE_SIZES;
  protected readonly versionColumns = ['snapshots', 'mtime', 'size', 'sha256', 'actions'];
  protected readonly query = computed(() => (this.q() ?? '').trim());
  protected readonly pageOffset = computed(() => Math.max(0, Number(this.offset() ?? 0) || 0));
  protected readonly pageLimit = computed(() => (PAGE_SIZES.includes(Number(this.limit())) ? Number(this.limit()) : 25));

  constructor() {
    void this.browse.loadClients();
    effect(() => {
      const client = this.client();
      const request = { q: this.query(), offset: this.pageOffset(), limit: this.pageLimit() };
      untracked(() => {
        if (client && request.q) void this.state.search({ clientId: client, ...request });
        else this.state.clear();
      });
    });
  }

  protected pickClient(client: string): void {
    void this.go({ client, offset: null });
  }

  protected search(q: string): void {
    void this.go({ q: q.trim() || null, offset: null });
  }

  protected onPage(event: PageEvent): void {
    void this.go({ offset: event.pageIndex * event.pageSize || null, limit: event.pageSize === 25 ? null : event.pageSize });
  }

  /** "#3 – #7" for snapshots 3 up to 7, "#3 – now" while the version is current. */
  protected span(version: FoundVersion): string {
    return `#${version.firstSeq} – ${version.lastSeq === null ? 'now' : `#${version.lastSeq - 1}`}`;
  }

  protected newest(hit: FindHit): FoundVersion | undefined {
    return hit.versions.at(-1);
  }

  protected download(hit: FindHit, version: FoundVersion): string {
    return version.type === 'file' ? downloadUrl(this.client()!, version.downloadSeq!, hit.path) : archiveUrl(this.client()!, version.downloadSeq!, [hit.path], 'zip');
  }

  protected openFolder(hit: FindHit, version: FoundVersion): void {
    const parent = hit.path.split('/').slice(0, -1).join('/');
    void this.router.navigate(['/browse'], { queryParams: { client: this.client(), seq: version.downloadSeq, path: parent || null } });
  }

  /** Hands the version to the Restore screen, which reads the same three parameters. */
  protected restore(hit: FindHit, version: FoundVersion): void {
    void this.router.navigate(['/restore'], { queryParams: { client: this.client(), seq: version.downloadSeq, path: hit.path } });
  }

  private go(params: Record<string, string | number | null>): Promise<boolean> {
    return this.router.navigate([], { queryParams: params, queryParamsHandling: 'merge' });
  }
}
