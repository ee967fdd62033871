import { Routes } from '@angular/router';
import { DashboardComponent } from './dashboard.component';
import { DashboardState } from './dashboard.state';

export const DASHBOARD_ROUTES: Routes = [
  { path: '', component: DashboardComponent, providers: [DashboardState], title: 'Dashboard · BackTrac' },
];
