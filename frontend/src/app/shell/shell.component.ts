import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatListModule } from '@angular/material/list';
import { MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthState } from '../auth/auth.state';

interface NavItem {
  path: string;
  label: string;
  icon: string;
}

@Component({
  selector: 'bt-shell',
  imports: [MatButtonModule, MatIconModule, MatListModule, MatSidenavModule, MatToolbarModule, RouterLink, RouterLinkActive, RouterOutlet],
  templateUrl: './shell.component.html',
  styleUrl: './shell.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ShellComponent {
  private readonly auth = inject(AuthState);
  private readonly router = inject(Router);

  protected readonly user = this.auth.user;
  protected readonly nav: readonly NavItem[] = [
    { path: '/dashboard', label: 'Dashboard', icon: 'dashboard' },
    { path: '/clients', label: 'Clients', icon: 'computer' },
    { path: '/agents', label: 'Agents', icon: 'settings_remote' },
    { path: '/schedules', label: 'Schedules', icon: 'schedule' },
    { path: '/alerts', label: 'Alerts', icon: 'notifications' },
    { path: '/runs', label: 'Runs', icon: 'history' },
    { path: '/browse', label: 'Browse', icon: 'folder_open' },
    { path: '/find', label: 'Find', icon: 'search' },
    { path: '/restore', label: 'Restore', icon: 'settings_backup_restore' },
  ];

  protected async logout(): Promise<void> {
    try {
      await this.auth.logout();
    } finally {
      await this.router.navigate(['/login']);
    }
  }
}
