import { ChangeDetectionStrategy, Component, OnInit, inject } from '@angular/core';
import { DatePipe, DecimalPipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { RunStateChipComponent } from '../runs/run-state-chip.component';
import { BytesPipe } from '../shell/bytes.pipe';
import { DashboardState } from './dashboard.state';
import { StoreGrowthChartComponent } from './store-growth-chart.component';

@Component({
  selector: 'bt-dashboard',
  imports: [DatePipe, DecimalPipe, MatButtonModule, MatCardModule, MatIconModule, MatProgressBarModule, RouterLink, BytesPipe, RunStateChipComponent, StoreGrowthChartComponent],
  templateUrl: './dashboard.component.html',
  styleUrl: './dashboard.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DashboardComponent implements OnInit {
  protected readonly state = inject(DashboardState);

  ngOnInit(): void {
    void this.state.load();
  }
}
