import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatDialog } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { firstValueFrom } from 'rxjs';
import { RetentionPolicyDto as RetentionPolicy } from '../api/models/retention-policy-dto';
import { ScheduleDto as Schedule } from '../api/models/schedule-dto';
import { httpErrorMessage } from '../http-error-message';
import { ConfirmDialogComponent, ConfirmDialogData } from '../shell/confirm-dialog.component';
import { RetentionPolicyDialogComponent, RetentionPolicyDialogData } from './retention-policy-dialog.component';
import { ScheduleDialogComponent, ScheduleDialogData } from './schedule-dialog.component';
import { SchedulesState } from './schedules.state';

/** "last 7 · daily 14 · within 30 d": the rules of a policy that are switched on. */
export function describePolicy(policy: RetentionPolicy): string {
  const parts: string[] = [];
  const add = (value: number, label: (n: number) => string) => {
    if (value > 0) parts.push(label(value));
  };
  add(policy.keepLast, (n) => `last ${n}`);
  add(policy.keepDaily, (n) => `daily ${n}`);
  add(policy.keepWeekly, (n) => `weekly ${n}`);
  add(policy.keepMonthly, (n) => `monthly ${n}`);
  add(policy.keepYearly, (n) => `yearly ${n}`);
  add(policy.keepWithinDays, (n) => `all within ${n} d`);
  return parts.length ? parts.join(' · ') : 'keeps nothing';
}

@Component({
  selector: 'bt-schedules-page',
  imports: [MatButtonModule, MatCardModule, MatIconModule, MatProgressBarModule, MatTableModule],
  templateUrl: './schedules-page.component.html',
  styleUrl: './schedules-page.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SchedulesPageComponent implements OnInit {
  protected readonly state = inject(SchedulesState);
  private readonly dialog = inject(MatDialog);

  protected readonly actionError = signal<string | null>(null);
  protected readonly scheduleColumns = ['name', 'client', 'cron', 'window', 'full', 'retention', 'enabled', 'actions'];
  protected readonly policyColumns = ['name', 'rules', 'actions'];
  protected readonly describePolicy = describePolicy;

  ngOnInit(): void {
    void this.state.load();
  }

  protected editSchedule(schedule: Schedule | null): void {
    const data: ScheduleDialogData = {
      schedule,
      clients: this.state.clients(),
      policies: this.state.policies(),
      save: (body) => this.state.saveSchedule(schedule?.id ?? null, body),
    };
    this.dialog.open(ScheduleDialogComponent, { data, width: '720px' });
  }

  protected editPolicy(policy: RetentionPolicy | null): void {
    const data: RetentionPolicyDialogData = { policy, save: (body) => this.state.savePolicy(policy?.id ?? null, body) };
    this.dialog.open(RetentionPolicyDialogComponent, { data, width: '560px' });
  }

  protected async deleteSchedule(schedule: Schedule): Promise<void> {
    if (!(await this.confirm({ title: 'Delete schedule', message: `Delete the schedule “${schedule.name}”?`, confirm: 'Delete' }))) return;
    await this.run(() => this.state.removeSchedule(schedule.id));
  }

  protected async deletePolicy(policy: RetentionPolicy): Promise<void> {
    if (!(await this.confirm({ title: 'Delete retention policy', message: `Delete the policy “${policy.name}”?`, confirm: 'Delete' }))) return;
    await this.run(() => this.state.removePolicy(policy.id));
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this.actionError.set(null);
    try {
      await action();
    } catch (err) {
      this.actionError.set(httpErrorMessage(err));
    }
  }

  private confirm(data: ConfirmDialogData): Promise<boolean | undefined> {
    return firstValueFrom(this.dialog.open<ConfirmDialogComponent, ConfirmDialogData, boolean>(ConfirmDialogComponent, { data }).afterClosed());
  }
}
