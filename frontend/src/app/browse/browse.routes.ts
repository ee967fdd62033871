import { Routes } from '@angular/router';
import { NotAvailableComponent } from '../shell/not-available.component';

export const BROWSE_ROUTES: Routes = [
  {
    path: '',
    component: NotAvailableComponent,
    title: 'Browse · BackTrac',
    data: {
      heading: 'Browse',
      explanation: 'Browsing snapshots and file versions needs the catalog browse API, which does not exist yet.',
    },
  },
];
