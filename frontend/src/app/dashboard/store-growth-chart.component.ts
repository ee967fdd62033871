import { ChangeDetectionStrategy, Component, ElementRef, effect, input, viewChild } from '@angular/core';
import { BarController, BarElement, CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import { StoreGrowthPointDto as Point } from '../api/models/store-growth-point-dto';
import { formatBytes } from '../shell/bytes.pipe';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

/**
 * Per finished run: the snapshot's logical size against the bytes it really added to the store,
 * with the store's cumulative growth as a line. The gap between the bars is what dedup saved.
 */
@Component({
  selector: 'bt-store-growth-chart',
  template: `<div class="bt-chart"><canvas #canvas role="img" aria-label="Store growth and deduplication per run"></canvas></div>`,
  styles: `.bt-chart { position: relative; height: 280px; }`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class StoreGrowthChartComponent {
  readonly points = input.required<readonly Point[]>();
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private chart: Chart | undefined;

  constructor() {
    effect((onCleanup) => {
      const points = this.points();
      this.chart?.destroy();
      this.chart = new Chart(this.canvas().nativeElement, {
        data: {
          labels: points.map((p) => `${p.clientName} #${p.seq ?? '?'}`),
          datasets: [
            { type: 'bar', label: 'Snapshot size (logical)', data: points.map((p) => p.bytesTotal), backgroundColor: '#9ec5ff', yAxisID: 'y' },
            { type: 'bar', label: 'New bytes stored', data: points.map((p) => p.bytesStoredNew), backgroundColor: '#1f5fbf', yAxisID: 'y' },
            { type: 'line', label: 'Store growth (cumulative)', data: points.map((p) => p.storedCumulative), borderColor: '#c2410c', backgroundColor: '#c2410c', tension: 0.2, yAxisID: 'y' },
          ],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: 'index', intersect: false },
          scales: { y: { beginAtZero: true, ticks: { callback: (value) => formatBytes(Number(value)) } } },
          plugins: {
            tooltip: {
              callbacks: {
                label: (item) => `${item.dataset.label}: ${formatBytes(Number(item.raw))}`,
                footer: (items) => {
                  const p = points[items[0]?.dataIndex ?? -1];
                  return p?.dedupRatio ? `dedup ${p.dedupRatio.toFixed(1)}×` : '';
                },
              },
            },
          },
        },
      });
      onCleanup(() => this.chart?.destroy());
    });
  }
}
