import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { DatePipe, DecimalPipe } from '@angular/common';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { RestoreDto as Restore } from '../api/models/restore-dto';
import { RunStateChipComponent } from '../runs/run-state-chip.component';
import { BytesPipe } from '../shell/bytes.pipe';
import { RestoreFormState } from './restore-form.state';
import { RestoreHistoryState } from './restore-history.state';

/** Every restore, newest first, with its state and counters; a row opens its detail and log. */
@Component({
  selector: 'bt-restore-history',
  imports: [DatePipe, DecimalPipe, MatPaginatorModule, MatTableModule, RouterLink, BytesPipe, RunStateChipComponent],
  template: `
    <h2>Restore history</h2>
    @if (history.error(); as message) {
      <div class="bt-error" role="alert">{{ message }}</div>
    }
    <table mat-table [dataSource]="history.items()" class="bt-table" data-testid="restore-history">
      <ng-container matColumnDef="createdAt">
        <th mat-header-cell *matHeaderCellDef>Requested</th>
        <td mat-cell *matCellDef="let r"><a class="bt-link" [routerLink]="['/restore', r.id]">{{ r.createdAt | date: 'yyyy-MM-dd HH:mm:ss' }}</a></td>
      </ng-container>
      <ng-container matColumnDef="what">
        <th mat-header-cell *matHeaderCellDef>What</th>
        <td mat-cell *matCellDef="let r" class="bt-what">
          {{ clientName(r.clientId) }} #{{ r.seq }} ·
          <span class="bt-mono" [title]="r.paths.join('\\n')">{{ r.paths.length === 0 ? 'whole snapshot' : r.paths.length === 1 ? r.paths[0] : r.paths.length + ' paths' }}</span>
        </td>
      </ng-container>
      <ng-container matColumnDef="to">
        <th mat-header-cell *matHeaderCellDef>To</th>
        <td mat-cell *matCellDef="let r">{{ destination(r) }}</td>
      </ng-container>
      <ng-container matColumnDef="policy">
        <th mat-header-cell *matHeaderCellDef>Policy</th>
        <td mat-cell *matCellDef="let r">{{ r.policy }}@if (r.mirror) { · mirror }</td>
      </ng-container>
      <ng-container matColumnDef="state">
        <th mat-header-cell *matHeaderCellDef>State</th>
        <td mat-cell *matCellDef="let r"><bt-run-state-chip [state]="r.state" /></td>
      </ng-container>
      <ng-container matColumnDef="counters">
        <th mat-header-cell *matHeaderCellDef title="restored / skipped / renamed / failed / removed">Restored / skipped / renamed / failed / removed</th>
        <td mat-cell *matCellDef="let r" class="bt-num">{{ r.restored | number }} / {{ r.skipped | number }} / {{ r.renamed | number }} / {{ r.failed | number }} / {{ r.removed | number }}</td>
      </ng-container>
      <ng-container matColumnDef="bytes">
        <th mat-header-cell *matHeaderCellDef>Written</th>
        <td mat-cell *matCellDef="let r" class="bt-num">{{ r.bytes | bytes }}</td>
      </ng-container>
      <tr mat-header-row *matHeaderRowDef="columns"></tr>
      <tr mat-row *matRowDef="let row; columns: columns" [attr.data-restore-id]="row.id"></tr>
      <tr class="mat-mdc-row" *matNoDataRow>
        <td class="bt-empty" [attr.colspan]="columns.length">No restore yet.</td>
      </tr>
    </table>
    @if (history.total() > pageSize) {
      <mat-paginator [length]="history.total()" [pageIndex]="pageIndex()" [pageSize]="pageSize" (page)="onPage($event)" aria-label="Pages of restores" />
    }
  `,
  styles: `
    h2 { font: var(--mat-sys-title-medium); margin: 24px 0 8px; }
    .bt-num { font-variant-numeric: tabular-nums; white-space: nowrap; }
    .bt-what { max-width: 360px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    mat-paginator { background: transparent; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RestoreHistoryComponent {
  protected readonly history = inject(RestoreHistoryState);
  private readonly form = inject(RestoreFormState);
  protected readonly columns = ['createdAt', 'what', 'to', 'policy', 'state', 'counters', 'bytes'];
  protected readonly pageSize = 10;
  protected readonly pageIndex = signal(0);
  private readonly names = computed(() => new Map(this.form.clients().map((c) => [c.id, c.name])));

  constructor() {
    void this.history.load(0, this.pageSize);
  }

  protected clientName(id: string): string {
    return this.names().get(id) ?? id.slice(0, 8);
  }

  protected destination(r: Restore): string {
    if (!r.destination) return 'original place';
    return `${this.clientName(r.destination.clientId)}: ${r.destination.path ? `${r.destination.path}/` : 'share root'}`;
  }

  protected onPage(event: PageEvent): void {
    this.pageIndex.set(event.pageIndex);
    void this.history.load(event.pageIndex * event.pageSize, event.pageSize);
  }
}
