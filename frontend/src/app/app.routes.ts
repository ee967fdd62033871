import { Routes } from '@angular/router';
import { authGuard } from './auth/auth.guard';
import { ShellComponent } from './shell/shell.component';

export const routes: Routes = [
  { path: 'login', loadChildren: () => import('./login/login.routes').then((m) => m.LOGIN_ROUTES) },
  {
    path: '',
    component: ShellComponent,
    canActivate: [authGuard],
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'dashboard' },
      { path: 'dashboard', loadChildren: () => import('./dashboard/dashboard.routes').then((m) => m.DASHBOARD_ROUTES) },
      { path: 'clients', loadChildren: () => import('./clients/clients.routes').then((m) => m.CLIENTS_ROUTES) },
      { path: 'schedules', loadChildren: () => import('./schedules/schedules.routes').then((m) => m.SCHEDULES_ROUTES) },
      { path: 'runs', loadChildren: () => import('./runs/runs.routes').then((m) => m.RUNS_ROUTES) },
      { path: 'browse', loadChildren: () => import('./browse/browse.routes').then((m) => m.BROWSE_ROUTES) },
      { path: 'find', loadChildren: () => import('./find/find.routes').then((m) => m.FIND_ROUTES) },
      { path: 'restore', loadChildren: () => import('./restore/restore.routes').then((m) => m.RESTORE_ROUTES) },
      { path: 'agents', loadChildren: () => import('./agents/agents.routes').then((m) => m.AGENTS_ROUTES) },
      { path: 'alerts', loadChildren: () => import('./alerts/alerts.routes').then((m) => m.ALERTS_ROUTES) },
    ],
  },
  { path: '**', redirectTo: '' },
];
