import { ChangeDetectionStrategy, Component, OnInit, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatChipsModule } from '@angular/material/chips';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { ClientsState } from './clients.state';

@Component({
  selector: 'bt-client-list',
  imports: [MatButtonModule, MatChipsModule, MatIconModule, MatProgressBarModule, MatTableModule, RouterLink],
  templateUrl: './client-list.component.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ClientListComponent implements OnInit {
  protected readonly state = inject(ClientsState);
  protected readonly columns = ['name', 'hostname', 'description', 'enabled'];

  ngOnInit(): void {
    void this.state.load();
  }
}
