import { Routes } from '@angular/router';
import { SchedulesPageComponent } from './schedules-page.component';
import { SchedulesState } from './schedules.state';

export const SCHEDULES_ROUTES: Routes = [
  { path: '', component: SchedulesPageComponent, providers: [SchedulesState], title: 'Schedules · BackTrac' },
];
