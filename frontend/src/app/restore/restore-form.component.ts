import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { DatePipe, DecimalPipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatRadioModule } from '@angular/material/radio';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { EntryDto as Entry } from '../api/models/entry-dto';
import { BytesPipe } from '../shell/bytes.pipe';
import { RestoreConfirmData, RestoreConfirmDialogComponent } from './restore-confirm-dialog.component';
import { RestoreFormState } from './restore-form.state';
import { RestoreHistoryComponent } from './restore-history.component';
import { Destination, POLICIES, RestoreChoices, RestorePolicy, folderPath, missingChoice, restoreAmount, restoreRequest, snapshotAsOf } from './restore-request';
import { RestoreSelection } from './restore-selection';
import { SnapshotTimelineComponent } from './snapshot-timeline.component';

const PAGE_SIZES = [50, 100, 200];

const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

/**
 * New restore: client → snapshot (timeline or "as of") → what (a paged tree with checkboxes) →
 * where and how → summary and confirmation. `?client=&seq=&path=` (path repeatable) prefill it,
 * which is how Browse and Find link here.
 */
@Component({
  selector: 'bt-restore-form',
  imports: [
    DatePipe, DecimalPipe, MatButtonModule, MatButtonToggleModule, MatCardModule, MatCheckboxModule, MatFormFieldModule, MatIconModule, MatInputModule,
    MatPaginatorModule, MatProgressBarModule, MatRadioModule, MatSelectModule, MatTableModule, MatTooltipModule, BytesPipe, RestoreHistoryComponent,
    SnapshotTimelineComponent,
  ],
  templateUrl: './restore-form.component.html',
  styleUrl: './restore-form.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RestoreFormComponent {
  protected readonly state = inject(RestoreFormState);
  private readonly router = inject(Router);
  private readonly dialog = inject(MatDialog);

  /** Query parameters: only a starting point, the screen's own choices take over from there. */
  readonly client = input<string>();
  readonly seq = input<string>();
  readonly path = input<string | string[]>();

  protected readonly policies = POLICIES;
  protected readonly pageSizes = PAGE_SIZES;
  protected readonly columns = ['pick', 'name', 'size', 'mtime'];
  protected readonly selection = new RestoreSelection();

  protected readonly clientId = signal<string | null>(null);
  protected readonly mode = signal<'seq' | 'asOf'>('seq');
  protected readonly pickedSeq = signal<number | null>(null);
  protected readonly asOfText = signal('');
  protected readonly folder = signal('');
  protected readonly offset = signal(0);
  protected readonly limit = signal(100);
  protected readonly destinationKind = signal<Destination['kind']>('original');
  protected readonly destinationClientId = signal<string | null>(null);
  protected readonly destinationShareId = signal<string | null>(null);
  protected readonly destinationPath = signal('');
  protected readonly policy = signal<RestorePolicy>('overwrite');
  protected readonly mirror = signal(false);
  protected readonly verifyReadBack = signal(false);

  protected readonly asOf = computed(() => {
    const at = this.asOfText() ? new Date(this.asOfText()) : null;
    return at && !Number.isNaN(at.getTime()) ? at : null;
  });
  /** The snapshot whose tree is shown: the picked one, or the one "as of" resolves to. */
  protected readonly snapshot = computed(() => {
    const snapshots = this.state.snapshots();
    if (this.mode() === 'seq') return snapshots.find((s) => s.seq === this.pickedSeq()) ?? null;
    const at = this.asOf();
    return at ? snapshotAsOf(snapshots, at) : null;
  });
  protected readonly clientName = computed(() => this.state.clients().find((c) => c.id === this.clientId())?.name ?? '');
  protected readonly crumbs = computed(() => {
    const parts = this.folder() ? this.folder().split('/') : [];
    return parts.map((label, i) => ({ label, path: parts.slice(0, i + 1).join('/') }));
  });
  protected readonly ownShares = computed(() => this.state.shares().get(this.clientId() ?? '') ?? []);
  protected readonly destinationShares = computed(() => {
    const owner = this.destinationKind() === 'other' ? this.destinationClientId() : this.clientId();
    return this.state.shares().get(owner ?? '') ?? [];
  });
  protected readonly destination = computed<Destination>(() => {
    const kind = this.destinationKind();
    if (kind === 'original') return { kind };
    if (kind === 'original-folder') return { kind, shareId: this.destinationShareId(), path: this.destinationPath() };
    return { kind, clientId: this.destinationClientId(), shareId: this.destinationShareId(), path: this.destinationPath() };
  });
  protected readonly choices = computed<RestoreChoices | null>(() => {
    const clientId = this.clientId();
    const snapshot = this.snapshot();
    if (!clientId || !snapshot) return null;
    const at = this.asOf();
    return {
      clientId,
      snapshot: this.mode() === 'asOf' && at ? { asOf: at.toISOString() } : { seq: snapshot.seq },
      paths: this.selection.paths(),
      destination: this.destination(),
      policy: this.policy(),
      mirror: this.mirror(),
      verifyReadBack: this.verifyReadBack(),
    };
  });
  protected readonly missing = computed(() => {
    if (!this.clientId()) return 'Pick a client';
    if (!this.snapshot()) return this.mode() === 'asOf' ? 'No complete snapshot finished at or before that time' : 'Pick a snapshot';
    return missingChoice(this.choices()!);
  });
  protected readonly amount = computed(() => restoreAmount(this.snapshot(), this.selection.totals(), this.selection.empty()));
  protected readonly destinationText = computed(() => {
    const d = this.destination();
    const shareName = (id: string | null) => this.destinationShares().find((s) => s.id === id)?.name ?? '?';
    if (d.kind === 'original') return `the original shares and paths of ${this.clientName()}`;
    const clientName = d.kind === 'other' ? (this.state.clients().find((c) => c.id === d.clientId)?.name ?? '?') : this.clientName();
    const folder = folderPath(d.path);
    return `${clientName}, share ${shareName(d.shareId)}, ${folder ? `under ${folder}/` : 'at its root'}`;
  });
  protected readonly policyLabel = computed(() => POLICIES.find((p) => p.value === this.policy())!);

  constructor() {
    void this.state.loadClients();
    effect(() => {
      const client = this.client();
      const seq = this.seq();
      const raw = this.path();
      untracked(() => this.prefill(client, seq, raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]));
    });
    effect(() => {
      const clientId = this.clientId();
      if (clientId) untracked(() => void this.openClient(clientId));
    });
    effect(() => {
      const clientId = this.clientId();
      const seq = this.snapshot()?.seq;
      const request = { path: this.folder(), offset: this.offset(), limit: this.limit() };
      untracked(() => {
        if (clientId && seq !== undefined) void this.state.loadFolder({ clientId, seq, ...request });
        else this.state.clearFolder();
      });
    });
    effect(() => {
      const other = this.destinationKind() === 'other' ? this.destinationClientId() : null;
      if (other) untracked(() => void this.state.loadShares(other));
    });
  }

  private prefill(client: string | undefined, seq: string | undefined, paths: readonly string[]): void {
    if (!client) return;
    this.clientId.set(client);
    this.mode.set('seq');
    this.pickedSeq.set(seq && /^\d+$/.test(seq) ? Number(seq) : null);
    const clean = paths.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '');
    this.selection.reset(clean.map((path) => ({ path, type: null, size: null })));
    this.openFolder(clean.length ? parentOf(clean[0]!) : '');
  }

  private async openClient(clientId: string): Promise<void> {
    const snapshots = await Promise.all([this.state.loadSnapshots(clientId), this.state.loadShares(clientId)]).then(([s]) => s);
    if (this.clientId() !== clientId) return;
    // No snapshot asked for (or one that is gone): start from the newest.
    if (!snapshots.some((s) => s.seq === this.pickedSeq())) this.pickedSeq.set(snapshots[0]?.seq ?? null);
    const own = this.ownShares();
    if (own.length && !own.some((s) => s.id === this.destinationShareId())) this.destinationShareId.set(own[0]!.id);
  }

  protected pickClient(clientId: string): void {
    this.clientId.set(clientId);
    this.pickedSeq.set(null);
    this.selection.reset([]);
    this.openFolder('');
    this.destinationShareId.set(null);
    void this.router.navigate([], { queryParams: { client: clientId, seq: null, path: null }, queryParamsHandling: 'merge', replaceUrl: true });
  }

  protected pickSnapshot(seq: number): void {
    this.mode.set('seq');
    this.pickedSeq.set(seq);
    this.offset.set(0);
  }

  protected openFolder(path: string): void {
    this.folder.set(path);
    this.offset.set(0);
  }

  protected entryPath(entry: Entry): string {
    return this.folder() ? `${this.folder()}/${entry.name}` : entry.name;
  }

  protected toggle(entry: Entry): void {
    this.selection.toggle({ path: this.entryPath(entry), type: entry.type, size: entry.size });
  }

  protected pageAllPicked(entries: readonly Entry[]): boolean {
    return entries.length > 0 && entries.every((e) => this.selection.isPicked(this.entryPath(e)) || this.selection.coveredBy(this.entryPath(e)) !== null);
  }

  protected togglePage(entries: readonly Entry[]): void {
    const pick = !this.pageAllPicked(entries);
    for (const entry of entries) if (this.selection.isPicked(this.entryPath(entry)) !== pick) this.toggle(entry);
  }

  /** The folder shown is ticked itself or lies inside a ticked folder: all its entries are included. */
  protected folderPicked(): boolean {
    const folder = this.folder();
    return folder !== '' && (this.selection.isPicked(folder) || this.selection.coveredBy(folder) !== null);
  }

  protected pickFolder(): void {
    this.selection.toggle({ path: this.folder(), type: 'dir', size: null });
  }

  protected onPage(event: PageEvent): void {
    this.limit.set(event.pageSize);
    this.offset.set(event.pageIndex * event.pageSize);
  }

  protected setDestinationKind(kind: Destination['kind']): void {
    this.destinationKind.set(kind);
    const shares = kind === 'other' ? [] : this.ownShares();
    this.destinationShareId.set(shares[0]?.id ?? null);
  }

  protected setDestinationClient(clientId: string): void {
    this.destinationClientId.set(clientId);
    this.destinationShareId.set(null);
    void this.state.loadShares(clientId).then(() => {
      if (this.destinationClientId() === clientId) this.destinationShareId.set(this.state.shares().get(clientId)?.[0]?.id ?? null);
    });
  }

  protected async start(): Promise<void> {
    const choices = this.choices();
    const snapshot = this.snapshot();
    if (!choices || !snapshot || this.missing()) return;
    const data: RestoreConfirmData = {
      snapshot: `${this.clientName()}, snapshot #${snapshot.seq} of ${new Date(snapshot.completedAt).toLocaleString()}${this.mode() === 'asOf' ? ` (as of ${this.asOf()!.toLocaleString()})` : ''}`,
      amount: this.amount(),
      paths: choices.paths,
      destination: this.destinationText(),
      policy: `${this.policyLabel().label}: ${this.policyLabel().hint.toLowerCase()}`,
      mirror: choices.mirror,
      verifyReadBack: choices.verifyReadBack,
    };
    const confirmed = await firstValueFrom(this.dialog.open(RestoreConfirmDialogComponent, { data, width: '640px', maxWidth: '95vw', autoFocus: 'dialog' }).afterClosed());
    if (confirmed !== true) return;
    const created = await this.state.submit(restoreRequest(choices, choices.mirror));
    if (created) await this.router.navigate(['/restore', created.id]);
  }
}
