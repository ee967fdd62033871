import { Routes } from '@angular/router';
import { RestoreDetailComponent } from './restore-detail.component';
import { RestoreFormComponent } from './restore-form.component';
import { RestoreFormState } from './restore-form.state';
import { RestoreHistoryState } from './restore-history.state';

export const RESTORE_ROUTES: Routes = [
  { path: '', component: RestoreFormComponent, providers: [RestoreFormState, RestoreHistoryState], title: 'Restore · BackTrac' },
  { path: ':id', component: RestoreDetailComponent, title: 'Restore · BackTrac' },
];
