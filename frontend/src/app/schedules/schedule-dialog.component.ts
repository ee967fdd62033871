import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatAutocompleteModule } from '@angular/material/autocomplete';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { ClientDto as Client } from '../api/models/client-dto';
import { CreateScheduleDto } from '../api/models/create-schedule-dto';
import { RetentionPolicyDto as RetentionPolicy } from '../api/models/retention-policy-dto';
import { ScheduleDto as Schedule } from '../api/models/schedule-dto';
import { httpErrorMessage } from '../http-error-message';
import { TIME_OF_DAY, cronValidator, timeZoneValidator, windowPairValidator } from './schedule.validators';

export interface ScheduleDialogData {
  schedule: Schedule | null;
  clients: readonly Client[];
  policies: readonly RetentionPolicy[];
  save: (body: CreateScheduleDto) => Promise<unknown>;
}

/** Selects hold '' for "all clients" / "no policy": mat-select treats a null option as no selection. */
export interface ScheduleFormValue {
  name: string;
  clientId: string;
  cron: string;
  timezone: string;
  windowStart: string;
  windowEnd: string;
  fullEveryDays: number | null;
  jitterSeconds: number | null;
  enabled: boolean;
  retentionPolicyId: string;
}

export function schedulePayload(value: ScheduleFormValue): CreateScheduleDto {
  return {
    name: value.name.trim(),
    clientId: value.clientId || null,
    cron: value.cron.trim().replace(/\s+/g, ' '),
    timezone: value.timezone.trim(),
    windowStart: value.windowStart || null,
    windowEnd: value.windowEnd || null,
    fullEveryDays: value.fullEveryDays ?? null,
    jitterSeconds: value.jitterSeconds ?? 0,
    enabled: value.enabled,
    retentionPolicyId: value.retentionPolicyId || null,
  };
}

const BROWSER_TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const TIME_ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');

@Component({
  selector: 'bt-schedule-dialog',
  imports: [
    ReactiveFormsModule,
    MatAutocompleteModule,
    MatButtonModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    MatSlideToggleModule,
  ],
  templateUrl: './schedule-dialog.component.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ScheduleDialogComponent {
  protected readonly data = inject<ScheduleDialogData>(MAT_DIALOG_DATA);
  private readonly dialogRef = inject(MatDialogRef<ScheduleDialogComponent>);

  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  private readonly fb = inject(NonNullableFormBuilder);
  protected readonly form = this.fb.group(
    {
      name: [this.data.schedule?.name ?? '', [Validators.required, Validators.maxLength(100)]],
      clientId: [this.data.schedule?.clientId ?? ''],
      cron: [this.data.schedule?.cron ?? '0 2 * * *', [Validators.required, cronValidator]],
      timezone: [this.data.schedule?.timezone ?? BROWSER_TIME_ZONE, [Validators.required, timeZoneValidator]],
      windowStart: [this.data.schedule?.windowStart ?? '', Validators.pattern(TIME_OF_DAY)],
      windowEnd: [this.data.schedule?.windowEnd ?? '', Validators.pattern(TIME_OF_DAY)],
      fullEveryDays: this.fb.control<number | null>(this.data.schedule?.fullEveryDays ?? null, [Validators.min(1), Validators.max(3650)]),
      jitterSeconds: this.fb.control<number | null>(this.data.schedule?.jitterSeconds ?? 0, [Validators.min(0), Validators.max(86400)]),
      enabled: [this.data.schedule?.enabled ?? true],
      retentionPolicyId: [this.data.schedule?.retentionPolicyId ?? ''],
    },
    { validators: windowPairValidator },
  );

  private readonly timezoneText = toSignal(this.form.controls.timezone.valueChanges, { initialValue: this.form.controls.timezone.value });
  protected readonly timeZoneOptions = computed(() => {
    const text = this.timezoneText().toLowerCase();
    return TIME_ZONES.filter((zone) => zone.toLowerCase().includes(text)).slice(0, 50);
  });

  protected async submit(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.data.save(schedulePayload(this.form.getRawValue()));
      this.dialogRef.close(true);
    } catch (err) {
      this.error.set(httpErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }
}
