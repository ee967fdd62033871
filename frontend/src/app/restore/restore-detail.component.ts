import { ChangeDetectionStrategy, Component, OnInit, inject, input } from '@angular/core';
import { DatePipe, DecimalPipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { RunStateChipComponent } from '../runs/run-state-chip.component';
import { BytesPipe } from '../shell/bytes.pipe';
import { DurationPipe, elapsedSeconds } from '../shell/duration.pipe';
import { RestoreDetailState } from './restore-detail.state';

/** One restore: live progress while it runs (with Cancel), then its counters; and its log. */
@Component({
  selector: 'bt-restore-detail',
  imports: [DatePipe, DecimalPipe, MatButtonModule, MatCardModule, MatIconModule, MatProgressBarModule, RouterLink, BytesPipe, DurationPipe, RunStateChipComponent],
  providers: [RestoreDetailState],
  templateUrl: './restore-detail.component.html',
  // The run detail's layout (facts grid, progress, log panel), plus what only a restore shows.
  styleUrls: ['../runs/run-detail.component.scss', './restore-detail.component.scss'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RestoreDetailComponent implements OnInit {
  protected readonly state = inject(RestoreDetailState);
  readonly id = input.required<string>();
  protected readonly elapsed = elapsedSeconds;

  ngOnInit(): void {
    void this.state.open(this.id());
  }
}
