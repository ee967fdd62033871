import { Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { alertSettingsGet } from '../api/fn/alerts/alert-settings-get';
import { alertSettingsTest } from '../api/fn/alerts/alert-settings-test';
import { alertSettingsUpdate } from '../api/fn/alerts/alert-settings-update';
import { AlertSettingsDto } from '../api/models/alert-settings-dto';
import { ChannelResultDto } from '../api/models/channel-result-dto';
import { UpdateAlertSettingsDto } from '../api/models/update-alert-settings-dto';
import { httpErrorMessage } from '../http-error-message';

/** The alert settings and the outcome of the last test alert. */
@Injectable()
export class AlertSettingsState {
  private readonly api = inject(Api);
  private readonly _settings = signal<AlertSettingsDto | null>(null);
  private readonly _busy = signal(false);
  private readonly _error = signal<string | null>(null);
  private readonly _testResults = signal<readonly ChannelResultDto[] | null>(null);

  readonly settings = this._settings.asReadonly();
  readonly busy = this._busy.asReadonly();
  readonly error = this._error.asReadonly();
  readonly testResults = this._testResults.asReadonly();

  load(): Promise<void> {
    return this.run(async () => this._settings.set(await this.api.invoke(alertSettingsGet)));
  }

  save(body: UpdateAlertSettingsDto): Promise<void> {
    return this.run(async () => this._settings.set(await this.api.invoke(alertSettingsUpdate, { body })));
  }

  sendTest(): Promise<void> {
    this._testResults.set(null);
    return this.run(async () => this._testResults.set((await this.api.invoke(alertSettingsTest)).results));
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this._busy.set(true);
    this._error.set(null);
    try {
      await action();
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    } finally {
      this._busy.set(false);
    }
  }
}
