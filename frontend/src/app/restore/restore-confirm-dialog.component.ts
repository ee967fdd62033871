import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { DecimalPipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { BytesPipe } from '../shell/bytes.pipe';
import { RestoreAmount } from './restore-request';

export interface RestoreConfirmData {
  snapshot: string;
  amount: RestoreAmount;
  paths: readonly string[];
  destination: string;
  policy: string;
  mirror: boolean;
  verifyReadBack: boolean;
}

/**
 * The last look before a restore starts. With mirror it also asks, separately and explicitly, for
 * consent to deleting files; it closes with true only when everything asked for was confirmed.
 */
@Component({
  selector: 'bt-restore-confirm-dialog',
  imports: [DecimalPipe, MatButtonModule, MatCheckboxModule, MatDialogModule, MatIconModule, BytesPipe],
  template: `
    <h2 mat-dialog-title>Start this restore?</h2>
    <mat-dialog-content data-testid="restore-confirm">
      <dl class="bt-summary">
        <dt>From</dt>
        <dd>{{ data.snapshot }}</dd>
        <dt>What</dt>
        <dd>
          @if (data.amount.whole) {
            the whole snapshot: {{ data.amount.files | number }} files, {{ data.amount.bytes | bytes }}
          } @else {
            @if (data.amount.files) { {{ data.amount.files | number }} files, {{ data.amount.bytes | bytes }} }
            @if (data.amount.files && data.amount.folders) { and }
            @if (data.amount.folders) { {{ data.amount.folders | number }} {{ data.amount.folders === 1 ? 'folder' : 'folders' }} (contents counted when the restore starts) }
            <div class="bt-mono bt-small bt-paths">@for (p of data.paths; track p) { <div>{{ p }}</div> }</div>
          }
        </dd>
        <dt>To</dt>
        <dd>{{ data.destination }}</dd>
        <dt>Existing files</dt>
        <dd>{{ data.policy }}</dd>
        <dt>Verify</dt>
        <dd>{{ data.verifyReadBack ? 'read every file back over SMB and compare' : 'hash on the way out (always)' }}</dd>
      </dl>
      @if (data.mirror) {
        <div class="bt-mirror-warning" role="alert">
          <mat-icon>delete_forever</mat-icon>
          <div>
            <strong>Mirror deletes files.</strong> Files and folders at the destination that the snapshot does not have will be removed
            (each one is listed in the log). This cannot be undone by BackTrac.
            <mat-checkbox [checked]="mirrorConfirmed()" (change)="mirrorConfirmed.set($event.checked)" data-testid="confirm-mirror">
              I understand that files at the destination will be deleted
            </mat-checkbox>
          </div>
        </div>
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" [mat-dialog-close]="false">Back</button>
      <button mat-flat-button type="button" [class.bt-danger]="data.mirror" [disabled]="data.mirror && !mirrorConfirmed()" [mat-dialog-close]="true" data-testid="confirm-start">
        {{ data.mirror ? 'Restore and delete extra files' : 'Start restore' }}
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    .bt-summary { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
    dt { color: var(--mat-sys-on-surface-variant); }
    dd { margin: 0; }
    .bt-paths { max-height: 120px; overflow: auto; margin-top: 4px; }
    .bt-mirror-warning { display: flex; gap: 12px; margin-top: 16px; padding: 12px; border-radius: 8px; background: var(--mat-sys-error-container); color: var(--mat-sys-on-error-container); }
    .bt-mirror-warning mat-checkbox { display: block; margin-top: 8px; }
    .bt-mirror-warning mat-icon { flex-shrink: 0; }
    .bt-danger:not([disabled]) { background: var(--mat-sys-error); color: var(--mat-sys-on-error); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RestoreConfirmDialogComponent {
  protected readonly data = inject<RestoreConfirmData>(MAT_DIALOG_DATA);
  protected readonly mirrorConfirmed = signal(false);
}
