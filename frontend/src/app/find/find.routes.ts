import { Routes } from '@angular/router';
import { BrowseState } from '../browse/browse.state';
import { FindComponent } from './find.component';
import { FindState } from './find.state';

export const FIND_ROUTES: Routes = [{ path: '', component: FindComponent, providers: [FindState, BrowseState], title: 'Find · BackTrac' }];
