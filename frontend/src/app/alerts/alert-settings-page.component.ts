import { ChangeDetectionStrategy, Component, OnInit, effect, inject } from '@angular/core';
import { FormArray, FormGroup, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { ALERT_TYPE_LABELS, ALERT_TYPES, AlertSettingsFormValue, AlertType, formValueFrom, updateBodyFrom } from './alert-settings.form';
import { AlertSettingsState } from './alert-settings.state';

type WebhookGroup = FormGroup<{
  url: ReturnType<NonNullableFormBuilder['control']>;
  secret: ReturnType<NonNullableFormBuilder['control']>;
  removeSecret: ReturnType<NonNullableFormBuilder['control']>;
  secretSet: ReturnType<NonNullableFormBuilder['control']>;
}>;

/** Alert channels (email, webhooks), thresholds and which alerts are sent; plus "send a test alert". */
@Component({
  selector: 'bt-alert-settings-page',
  imports: [ReactiveFormsModule, MatButtonModule, MatCardModule, MatCheckboxModule, MatFormFieldModule, MatIconModule, MatInputModule, MatProgressBarModule],
  templateUrl: './alert-settings-page.component.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AlertSettingsPageComponent implements OnInit {
  protected readonly state = inject(AlertSettingsState);
  private readonly fb = inject(NonNullableFormBuilder);

  protected readonly types = ALERT_TYPES.map((type) => ({ type, label: ALERT_TYPE_LABELS[type] }));
  protected readonly webhooks = this.fb.array<WebhookGroup>([]);
  protected readonly form = this.fb.group({
    serverName: ['BackTrac', [Validators.required, Validators.maxLength(100)]],
    consoleUrl: ['', [Validators.pattern(/^https?:\/\/\S+$/)]],
    timeZone: ['UTC', [Validators.required]],
    smtpHost: [''],
    smtpPort: [587, [Validators.required, Validators.min(1), Validators.max(65535)]],
    smtpSecure: [false],
    smtpRequireTls: [false],
    smtpUsername: [''],
    smtpPassword: [''],
    removeSmtpPassword: [false],
    from: ['', [Validators.email]],
    recipients: [''],
    webhooks: this.webhooks as FormArray,
    notBackedUpDays: [3, [Validators.required, Validators.min(0), Validators.max(365)]],
    agentOfflineHours: [24, [Validators.required, Validators.min(0), Validators.max(8760)]],
    unusualRunPercent: [30, [Validators.required, Validators.min(1), Validators.max(100)]],
    digestHour: this.fb.control<number | null>(null, [Validators.min(0), Validators.max(23)]),
    enabledTypes: this.fb.group(Object.fromEntries(ALERT_TYPES.map((type) => [type, this.fb.control(false)])) as Record<AlertType, ReturnType<NonNullableFormBuilder['control']>>),
  });

  constructor() {
    // Whenever the settings arrive or are saved, the form shows them (secrets blank).
    effect(() => {
      const settings = this.state.settings();
      if (!settings) return;
      const value = formValueFrom(settings);
      this.webhooks.clear();
      for (const hook of value.webhooks) this.webhooks.push(this.webhookGroup(hook));
      this.form.reset(value as never);
    });
  }

  ngOnInit(): void {
    void this.state.load();
  }

  protected addWebhook(): void {
    this.webhooks.push(this.webhookGroup({ url: '', secret: '', removeSecret: false, secretSet: false }));
  }

  protected removeWebhook(index: number): void {
    this.webhooks.removeAt(index);
  }

  protected async save(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    await this.state.save(updateBodyFrom(this.form.getRawValue() as unknown as AlertSettingsFormValue));
  }

  protected async test(): Promise<void> {
    await this.state.sendTest();
  }

  private webhookGroup(hook: AlertSettingsFormValue['webhooks'][number]): WebhookGroup {
    return this.fb.group({
      url: this.fb.control(hook.url, [Validators.required, Validators.pattern(/^https?:\/\/\S+$/)]),
      secret: this.fb.control(hook.secret, [Validators.minLength(8)]),
      removeSecret: this.fb.control(hook.removeSecret),
      secretSet: this.fb.control(hook.secretSet),
    }) as unknown as WebhookGroup;
  }
}
