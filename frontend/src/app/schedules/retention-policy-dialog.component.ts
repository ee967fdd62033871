import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { CreateRetentionPolicyDto } from '../api/models/create-retention-policy-dto';
import { RetentionPolicyDto as RetentionPolicy } from '../api/models/retention-policy-dto';
import { httpErrorMessage } from '../http-error-message';
import { KEEP_RULES, KeepRule, keepsSomethingValidator } from './retention-policy.validators';

export interface RetentionPolicyDialogData {
  policy: RetentionPolicy | null;
  save: (body: CreateRetentionPolicyDto) => Promise<unknown>;
}

const RULE_LABELS: Record<KeepRule, { label: string; hint: string }> = {
  keepLast: { label: 'Keep last', hint: 'most recent snapshots' },
  keepDaily: { label: 'Keep daily', hint: 'one per day, for this many days' },
  keepWeekly: { label: 'Keep weekly', hint: 'one per week' },
  keepMonthly: { label: 'Keep monthly', hint: 'one per month' },
  keepYearly: { label: 'Keep yearly', hint: 'one per year' },
  keepWithinDays: { label: 'Keep all within (days)', hint: 'every snapshot this recent' },
};

@Component({
  selector: 'bt-retention-policy-dialog',
  imports: [ReactiveFormsModule, MatButtonModule, MatDialogModule, MatFormFieldModule, MatInputModule, MatProgressBarModule],
  templateUrl: './retention-policy-dialog.component.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RetentionPolicyDialogComponent {
  protected readonly data = inject<RetentionPolicyDialogData>(MAT_DIALOG_DATA);
  private readonly dialogRef = inject(MatDialogRef<RetentionPolicyDialogComponent>);
  private readonly fb = inject(NonNullableFormBuilder);

  protected readonly rules = KEEP_RULES.map((rule) => ({ rule, ...RULE_LABELS[rule] }));
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  private readonly keep = (rule: KeepRule) =>
    this.fb.control<number | null>(this.data.policy?.[rule] || null, [Validators.min(0), Validators.max(10000), Validators.pattern(/^\d+$/)]);

  protected readonly form = this.fb.group(
    {
      name: [this.data.policy?.name ?? '', [Validators.required, Validators.maxLength(64)]],
      keepLast: this.keep('keepLast'),
      keepDaily: this.keep('keepDaily'),
      keepWeekly: this.keep('keepWeekly'),
      keepMonthly: this.keep('keepMonthly'),
      keepYearly: this.keep('keepYearly'),
      keepWithinDays: this.keep('keepWithinDays'),
    },
    { validators: keepsSomethingValidator },
  );

  protected async submit(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, ...rules } = this.form.getRawValue();
    // An empty rule is switched off, which the API spells 0.
    const counts = Object.fromEntries(KEEP_RULES.map((rule) => [rule, rules[rule] ?? 0])) as Record<KeepRule, number>;
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.data.save({ name: name.trim(), ...counts });
      this.dialogRef.close(true);
    } catch (err) {
      this.error.set(httpErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }
}
