import { Routes } from '@angular/router';
import { NotAvailableComponent } from '../shell/not-available.component';

export const RUNS_ROUTES: Routes = [
  {
    path: '',
    component: NotAvailableComponent,
    title: 'Runs · BackTrac',
    data: {
      heading: 'Runs',
      explanation: 'Backup runs with live progress will appear here once the API serves /api/runs and its event stream.',
    },
  },
];
