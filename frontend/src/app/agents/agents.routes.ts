import { Routes } from '@angular/router';
import { AgentsPageComponent } from './agents-page.component';
import { AgentsState } from './agents.state';

export const AGENTS_ROUTES: Routes = [{ path: '', component: AgentsPageComponent, providers: [AgentsState], title: 'Agents · BackTrac' }];
