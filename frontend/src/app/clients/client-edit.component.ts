import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatMenuModule } from '@angular/material/menu';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { Api } from '../api/api';
import { backupsStart } from '../api/fn/backups/backups-start';
import { ClientDto as Client } from '../api/models/client-dto';
import { ShareDto as Share } from '../api/models/share-dto';
import { httpErrorMessage } from '../http-error-message';
import { ConfirmDialogComponent, ConfirmDialogData } from '../shell/confirm-dialog.component';
import { ClientsState } from './clients.state';
import { ShareDialogComponent, ShareDialogData } from './share-dialog.component';
import { SharesState } from './shares.state';

// The same rules the API enforces, so most mistakes are caught before a round trip.
export const CLIENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const HOSTNAME_PATTERN = /^[A-Za-z0-9.:_-]+$/;

@Component({
  selector: 'bt-client-edit',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatMenuModule,
    MatProgressBarModule,
    MatSlideToggleModule,
    MatTableModule,
    MatTooltipModule,
    RouterLink,
  ],
  providers: [SharesState],
  templateUrl: './client-edit.component.html',
  styleUrl: './client-edit.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ClientEditComponent implements OnInit {
  private readonly clients = inject(ClientsState);
  protected readonly shares = inject(SharesState);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly router = inject(Router);
  private readonly api = inject(Api);

  /** The client's id from the route; absent on /clients/new. */
  readonly id = input<string>();

  protected readonly client = signal<Client | null>(null);
  protected readonly busy = signal(false);
  protected readonly startingBackup = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly shareColumns = ['name', 'url', 'username', 'password', 'excludes', 'actions'];

  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(64), Validators.pattern(CLIENT_NAME_PATTERN)]],
    hostname: ['', [Validators.required, Validators.maxLength(253), Validators.pattern(HOSTNAME_PATTERN)]],
    description: ['', Validators.maxLength(1000)],
    site: ['', Validators.maxLength(64)],
    enabled: [true],
  });

  async ngOnInit(): Promise<void> {
    const id = this.id();
    if (!id) return;
    this.busy.set(true);
    try {
      const client = await this.clients.get(id);
      this.client.set(client);
      this.form.reset({ name: client.name, hostname: client.hostname, description: client.description, site: client.site, enabled: client.enabled });
      await this.shares.load(id);
    } catch (err) {
      this.error.set(httpErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async save(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, hostname, description, site, enabled } = this.form.getRawValue();
    const body = { name: name.trim(), hostname: hostname.trim(), description: description.trim(), site: site.trim(), enabled };
    this.busy.set(true);
    this.error.set(null);
    try {
      const existing = this.client();
      if (existing) {
        this.client.set(await this.clients.update(existing.id, body));
        this.form.markAsPristine();
        this.snackBar.open('Client saved', undefined, { duration: 3000 });
      } else {
        const created = await this.clients.create(body);
        this.snackBar.open('Client created. Add a share to back up.', undefined, { duration: 4000 });
        await this.router.navigate(['/clients', created.id], { replaceUrl: true });
      }
    } catch (err) {
      this.error.set(httpErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async deleteClient(): Promise<void> {
    const client = this.client();
    if (!client || !(await this.confirm({ title: 'Delete client', message: `Delete “${client.name}” and its shares?`, confirm: 'Delete' }))) return;
    try {
      await this.clients.remove(client.id);
      this.snackBar.open('Client deleted', undefined, { duration: 3000 });
      await this.router.navigate(['/clients']);
    } catch (err) {
      this.error.set(httpErrorMessage(err));
    }
  }

  /** Queues a backup of this client and opens its run, where progress shows live. */
  protected async backUpNow(full: boolean): Promise<void> {
    const client = this.client();
    if (!client) return;
    this.startingBackup.set(true);
    this.error.set(null);
    try {
      const started = await this.api.invoke(backupsStart, { id: client.id, body: { full } });
      this.snackBar.open(full ? 'Full backup queued' : 'Backup queued', undefined, { duration: 3000 });
      await this.router.navigate(['/runs', started.runId]);
    } catch (err) {
      this.error.set(httpErrorMessage(err));
    } finally {
      this.startingBackup.set(false);
    }
  }

  protected openShare(share: Share | null): void {
    const client = this.client();
    if (!client) return;
    const data: ShareDialogData = {
      share,
      save: (payload) => (share ? this.shares.update(share.id, payload) : this.shares.create(client.id, payload)),
    };
    this.dialog.open(ShareDialogComponent, { data, width: '640px', autoFocus: 'first-tabbable' });
  }

  protected async deleteShare(share: Share): Promise<void> {
    if (!(await this.confirm({ title: 'Delete share', message: `Delete the share “${share.name}”?`, confirm: 'Delete' }))) return;
    try {
      await this.shares.remove(share.id);
    } catch (err) {
      this.error.set(httpErrorMessage(err));
    }
  }

  private confirm(data: ConfirmDialogData): Promise<boolean | undefined> {
    return firstValueFrom(this.dialog.open<ConfirmDialogComponent, ConfirmDialogData, boolean>(ConfirmDialogComponent, { data }).afterClosed());
  }
}
