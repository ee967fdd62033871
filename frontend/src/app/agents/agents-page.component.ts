import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { AgentsState } from './agents.state';

@Component({
  selector: 'bt-agents-page',
  imports: [DatePipe, MatButtonModule, MatFormFieldModule, MatIconModule, MatProgressBarModule, MatSelectModule, MatTableModule],
  templateUrl: './agents-page.component.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AgentsPageComponent implements OnInit {
  protected readonly state = inject(AgentsState);
  protected readonly columns = ['hostname', 'client', 'status', 'online', 'journal', 'heartbeat', 'actions'];
  /** Client chosen for a new enrolment token. */
  protected readonly tokenClient = signal('');
  /** Client chosen per pending agent, by agent id. */
  protected readonly approveFor = signal<Record<string, string>>({});

  ngOnInit(): void {
    void this.state.load();
  }

  protected chooseApproval(agentId: string, clientId: string): void {
    this.approveFor.update((m) => ({ ...m, [agentId]: clientId }));
  }
}
