import { ChangeDetectionStrategy, Component, OnInit, inject, input } from '@angular/core';
import { DatePipe } from '@angular/common';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink } from '@angular/router';
import { RunDto as Run } from '../api/models/run-dto';
import { BytesPipe } from '../shell/bytes.pipe';
import { DurationPipe, elapsedSeconds } from '../shell/duration.pipe';
import { RunStateChipComponent } from './run-state-chip.component';
import { RunStateFilter, RunsState } from './runs.state';

@Component({
  selector: 'bt-run-list',
  imports: [
    DatePipe, FormsModule, MatButtonModule, MatFormFieldModule, MatIconModule, MatProgressBarModule, MatSelectModule, MatTableModule,
    MatTooltipModule, RouterLink, BytesPipe, DurationPipe, RunStateChipComponent,
  ],
  templateUrl: './run-list.component.html',
  styleUrl: './run-list.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RunListComponent implements OnInit {
  protected readonly state = inject(RunsState);
  private readonly router = inject(Router);

  /** Query parameters (?state=&clientId=), so a filtered list can be linked to. */
  readonly stateFilter = input<RunStateFilter | undefined>(undefined, { alias: 'state' });
  readonly clientId = input<string | undefined>();

  protected readonly states: RunStateFilter[] = ['', 'queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled'];
  protected readonly columns = ['state', 'client', 'kind', 'queuedAt', 'duration', 'files', 'bytes', 'open'];
  protected readonly elapsed = elapsedSeconds;

  ngOnInit(): void {
    void this.state.load({ state: this.stateFilter() ?? '', clientId: this.clientId() ?? '' });
  }

  protected filterBy(state: RunStateFilter): void {
    void this.router.navigate([], { queryParams: { state: state || null }, queryParamsHandling: 'merge' });
    void this.state.load({ state, clientId: this.clientId() ?? '' });
  }

  protected trackRun(_: number, run: Run): string {
    return run.id;
  }
}
