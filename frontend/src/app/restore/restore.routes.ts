import { Routes } from '@angular/router';
import { NotAvailableComponent } from '../shell/not-available.component';

export const RESTORE_ROUTES: Routes = [
  {
    path: '',
    component: NotAvailableComponent,
    title: 'Restore · BackTrac',
    data: {
      heading: 'Restore',
      explanation: 'Restoring files to a client or downloading them needs the restore API, which does not exist yet.',
    },
  },
];
