import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { CreateShareDto } from '../api/models/create-share-dto';
import { ShareDto as Share } from '../api/models/share-dto';
import { UpdateShareDto } from '../api/models/update-share-dto';
import { httpErrorMessage } from '../http-error-message';

export interface ShareDialogData {
  /** The share being edited, or null to create one. */
  share: Share | null;
  /** Saves the payload; a rejection keeps the dialog open and shows the message. */
  save: (payload: CreateShareDto & UpdateShareDto) => Promise<unknown>;
}

export interface ShareFormValue {
  name: string;
  url: string;
  username: string;
  domain: string;
  password: string;
  excludes: string;
  /** Names of hooks declared in the client's agent configuration (the commands live there). */
  preHook: string;
  postHook: string;
  /** Editing only: forget the stored password (the API takes an empty string as "clear it"). */
  clearPassword: boolean;
}

/** What an agent accepts as a hook name (the API checks the same). */
export const HOOK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const SHARE_URL_PATTERN = /^(?:smb:\/\/[^/\s]+\/[^/\s]+(?:\/.*)?|file:\/\/\/.*)$/;

/**
 * What goes over the wire. The password is write-only: an empty field means "keep what is stored",
 * so it is sent only when typed (the API would take an empty string as "clear it"). On edit, an
 * emptied optional field is sent as "" so it is cleared; on create, empty fields are left out.
 */
export function sharePayload(value: ShareFormValue, editing: boolean): CreateShareDto & UpdateShareDto {
  const payload: CreateShareDto & UpdateShareDto = {
    name: value.name.trim(),
    url: value.url.trim(),
    excludes: value.excludes.split('\n').map((line) => line.trim()).filter((line) => line.length > 0),
  };
  for (const field of ['username', 'domain', 'preHook', 'postHook'] as const) {
    const text = value[field].trim();
    if (text || editing) payload[field] = text;
  }
  if (value.password) payload.password = value.password;
  else if (editing && value.clearPassword) payload.password = '';
  return payload;
}

@Component({
  selector: 'bt-share-dialog',
  imports: [ReactiveFormsModule, MatButtonModule, MatCheckboxModule, MatDialogModule, MatFormFieldModule, MatIconModule, MatInputModule, MatProgressBarModule],
  templateUrl: './share-dialog.component.html',
  styleUrl: './share-dialog.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ShareDialogComponent {
  protected readonly data = inject<ShareDialogData>(MAT_DIALOG_DATA);
  private readonly dialogRef = inject(MatDialogRef<ShareDialogComponent>);

  protected readonly editing = this.data.share !== null;
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  // The stored password is never known here, so the field always starts empty.
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: [this.data.share?.name ?? '', [Validators.required, Validators.maxLength(64)]],
    url: [this.data.share?.url ?? 'smb://', [Validators.required, Validators.pattern(SHARE_URL_PATTERN)]],
    username: [this.data.share?.username ?? ''],
    domain: [this.data.share?.domain ?? ''],
    password: [''],
    excludes: [(this.data.share?.excludes ?? []).join('\n')],
    preHook: [this.data.share?.preHook ?? '', [Validators.pattern(HOOK_NAME_PATTERN)]],
    postHook: [this.data.share?.postHook ?? '', [Validators.pattern(HOOK_NAME_PATTERN)]],
    clearPassword: [false],
  });

  protected async submit(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.data.save(sharePayload(this.form.getRawValue(), this.editing));
      this.dialogRef.close(true);
    } catch (err) {
      this.error.set(httpErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }
}
