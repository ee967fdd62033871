import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { HistoryDto as History } from '../api/models/history-dto';
import { httpErrorMessage } from '../http-error-message';
import { BytesPipe } from '../shell/bytes.pipe';
import { downloadUrl } from './browse.state';

export interface HistoryDialogData {
  clientId: string;
  path: string;
  load: (clientId: string, path: string) => Promise<History>;
}

/** Every version of one path across the snapshots, newest first, each downloadable while a snapshot holds it. */
@Component({
  selector: 'bt-history-dialog',
  imports: [DatePipe, MatButtonModule, MatDialogModule, MatIconModule, MatProgressBarModule, MatTableModule, MatTooltipModule, BytesPipe],
  template: `
    <h2 mat-dialog-title>Versions of <span class="bt-mono">{{ data.path }}</span></h2>
    <mat-dialog-content>
      @if (loading()) {
        <mat-progress-bar mode="indeterminate" />
      }
      @if (error(); as message) {
        <div class="bt-error" role="alert">{{ message }}</div>
      }
      @if (history(); as h) {
        <table mat-table [dataSource]="versions()" class="bt-table" data-testid="history-table">
          <ng-container matColumnDef="snapshots">
            <th mat-header-cell *matHeaderCellDef>In snapshots</th>
            <td mat-cell *matCellDef="let v">#{{ v.firstSeq }} – {{ v.lastSeq === null ? 'now' : '#' + (v.lastSeq - 1) }}</td>
          </ng-container>
          <ng-container matColumnDef="seen">
            <th mat-header-cell *matHeaderCellDef>First seen</th>
            <td mat-cell *matCellDef="let v">{{ v.firstSeenAt | date: 'yyyy-MM-dd HH:mm' }}</td>
          </ng-container>
          <ng-container matColumnDef="mtime">
            <th mat-header-cell *matHeaderCellDef>Modified</th>
            <td mat-cell *matCellDef="let v">{{ v.mtime | date: 'yyyy-MM-dd HH:mm:ss' }}</td>
          </ng-container>
          <ng-container matColumnDef="size">
            <th mat-header-cell *matHeaderCellDef>Size</th>
            <td mat-cell *matCellDef="let v">{{ v.type === 'file' ? (v.size | bytes) : v.type }}</td>
          </ng-container>
          <ng-container matColumnDef="sha256">
            <th mat-header-cell *matHeaderCellDef>SHA-256</th>
            <td mat-cell *matCellDef="let v" class="bt-mono" [matTooltip]="v.sha256 ?? v.linkTarget ?? ''">{{ v.sha256?.slice(0, 12) ?? v.linkTarget ?? '—' }}</td>
          </ng-container>
          <ng-container matColumnDef="download">
            <th mat-header-cell *matHeaderCellDef></th>
            <td mat-cell *matCellDef="let v" class="bt-row-actions">
              @if (v.type === 'file' && v.downloadSeq !== null) {
                <a mat-icon-button [href]="url(v.downloadSeq)" download [attr.aria-label]="'Download the version of snapshot ' + v.downloadSeq"><mat-icon>download</mat-icon></a>
              }
            </td>
          </ng-container>
          <tr mat-header-row *matHeaderRowDef="columns"></tr>
          <tr mat-row *matRowDef="let row; columns: columns"></tr>
        </table>
        <p class="bt-muted bt-small">{{ h.versions.length }} version(s) across {{ h.snapshots.length }} snapshot(s).</p>
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end"><button mat-button mat-dialog-close>Close</button></mat-dialog-actions>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class HistoryDialogComponent implements OnInit {
  protected readonly data = inject<HistoryDialogData>(MAT_DIALOG_DATA);
  protected readonly history = signal<History | null>(null);
  protected readonly versions = signal<History['versions']>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly columns = ['snapshots', 'seen', 'mtime', 'size', 'sha256', 'download'];

  async ngOnInit(): Promise<void> {
    try {
      const history = await this.data.load(this.data.clientId, this.data.path);
      this.history.set(history);
      this.versions.set([...history.versions].reverse());
    } catch (err) {
      this.error.set(httpErrorMessage(err));
    } finally {
      this.loading.set(false);
    }
  }

  protected url(seq: number): string {
    return downloadUrl(this.data.clientId, seq, this.data.path);
  }
}
