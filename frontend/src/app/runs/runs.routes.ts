import { Routes } from '@angular/router';
import { RunDetailComponent } from './run-detail.component';
import { RunListComponent } from './run-list.component';
import { RunsState } from './runs.state';

export const RUNS_ROUTES: Routes = [
  { path: '', component: RunListComponent, providers: [RunsState], title: 'Runs · BackTrac' },
  { path: ':id', component: RunDetailComponent, title: 'Run · BackTrac' },
];
