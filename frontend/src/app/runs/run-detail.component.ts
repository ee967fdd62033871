import { ChangeDetectionStrategy, Component, OnInit, inject, input } from '@angular/core';
import { DatePipe, DecimalPipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { BytesPipe } from '../shell/bytes.pipe';
import { DurationPipe, elapsedSeconds } from '../shell/duration.pipe';
import { RunDetailState } from './run-detail.state';
import { RunStateChipComponent } from './run-state-chip.component';

@Component({
  selector: 'bt-run-detail',
  imports: [DatePipe, DecimalPipe, MatButtonModule, MatCardModule, MatIconModule, MatProgressBarModule, RouterLink, BytesPipe, DurationPipe, RunStateChipComponent],
  providers: [RunDetailState],
  templateUrl: './run-detail.component.html',
  styleUrl: './run-detail.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RunDetailComponent implements OnInit {
  protected readonly state = inject(RunDetailState);
  readonly id = input.required<string>();
  protected readonly elapsed = elapsedSeconds;

  ngOnInit(): void {
    void this.state.open(this.id());
  }
}
