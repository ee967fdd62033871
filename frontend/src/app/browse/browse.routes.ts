import { Routes } from '@angular/router';
import { BrowseComponent } from './browse.component';
import { BrowseState } from './browse.state';

export const BROWSE_ROUTES: Routes = [{ path: '', component: BrowseComponent, providers: [BrowseState], title: 'Browse · BackTrac' }];
