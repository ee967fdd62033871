import { Routes } from '@angular/router';
import { ClientEditComponent } from './client-edit.component';
import { ClientListComponent } from './client-list.component';
import { ClientsState } from './clients.state';

export const CLIENTS_ROUTES: Routes = [
  {
    path: '',
    providers: [ClientsState],
    children: [
      { path: '', component: ClientListComponent, title: 'Clients · BackTrac' },
      { path: 'new', component: ClientEditComponent, title: 'New client · BackTrac' },
      { path: ':id', component: ClientEditComponent, title: 'Client · BackTrac' },
    ],
  },
];
