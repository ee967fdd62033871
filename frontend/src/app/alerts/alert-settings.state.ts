import { Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { alertSettingsGet } from '../api/fn/alerts/alert-settings-get';
import { alertSettingsTest } from '../api/fn/alerts/alert-settings-test';
import { alertSettingsUpdate } from '../api/fn/alerts/alert-settings-update';
import { AlertSettingsDto } from '../api/models/alert-settings-dto';
import { ChannelResultDto } from '../api/models/channel-result-dto';
import { UpdateAlertSettingsDto } from '../api/models/update-alert-settings-dto';
import { RequestStatus } from '../request-status';

/** The alert settings and the outcome of the last test alert. */
@Injectable()
export class AlertSettingsState {
  private readonly api = inject(Api);
  private readonly _settings = signal<AlertSettingsDto | null>(null);
  private readonly status = new RequestStatus();
  private readonly _testResults = signal<readonly ChannelResultDto[] | null>(null);

  readonly settings = this._settings.asReadonly();
  readonly busy = this.status.loading;
  readonly error = this.status.error;
  readonly testResults = this._testResults.asReadonly();

  load(): Promise<void> {
    return this.status.track(async () => this._settings.set(await this.api.invoke(alertSettingsGet)));
  }

  save(body: UpdateAlertSettingsDto): Promise<void> {
    return this.status.track(async () => this._settings.set(await this.api.invoke(alertSettingsUpdate, { body })));
  }

  sendTest(): Promise<void> {
    this._testResults.set(null);
    return this.status.track(async () => this._testResults.set((await this.api.invoke(alertSettingsTest)).results));
  }
}
