import { Routes } from '@angular/router';
import { AlertSettingsPageComponent } from './alert-settings-page.component';
import { AlertSettingsState } from './alert-settings.state';

export const ALERTS_ROUTES: Routes = [
  { path: '', component: AlertSettingsPageComponent, providers: [AlertSettingsState], title: 'Alerts · BackTrac' },
];
