import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { DatePipe } from '@angular/common';
import { MatTooltipModule } from '@angular/material/tooltip';
import { SnapshotDto as Snapshot } from '../api/models/snapshot-dto';
import { formatBytes } from '../shell/bytes.pipe';

/** A client's snapshots as marks on a line, placed by when they finished; a mark picks its snapshot. */
@Component({
  selector: 'bt-snapshot-timeline',
  imports: [DatePipe, MatTooltipModule],
  template: `
    <div class="bt-timeline" role="group" aria-label="Snapshots by time" data-testid="snapshot-timeline">
      <div class="bt-timeline-line"></div>
      @for (mark of marks(); track mark.snapshot.seq) {
        <button
          type="button"
          class="bt-timeline-mark"
          [style.left.%]="mark.left"
          [class.bt-selected]="mark.snapshot.seq === selected()"
          [class.bt-partial]="mark.snapshot.partial"
          [attr.aria-pressed]="mark.snapshot.seq === selected()"
          [attr.aria-label]="mark.label"
          [attr.data-seq]="mark.snapshot.seq"
          [matTooltip]="mark.label"
          (click)="picked.emit(mark.snapshot.seq)"
        >
          <span class="bt-timeline-dot"></span>
          @if (marks().length <= 24 || mark.snapshot.seq === selected()) {
            <span class="bt-timeline-seq">#{{ mark.snapshot.seq }}</span>
          }
        </button>
      }
    </div>
    @if (marks().length) {
      <div class="bt-timeline-ends bt-muted bt-small">
        <span>{{ marks()[0].snapshot.completedAt | date: 'yyyy-MM-dd HH:mm' }}</span>
        <span>{{ marks()[marks().length - 1].snapshot.completedAt | date: 'yyyy-MM-dd HH:mm' }}</span>
      </div>
    }
  `,
  styles: `
    .bt-timeline { position: relative; height: 56px; margin: 8px 24px 0; }
    .bt-timeline-line { position: absolute; left: 0; right: 0; top: 14px; height: 2px; background: var(--mat-sys-outline-variant); }
    .bt-timeline-mark { position: absolute; top: 0; transform: translateX(-50%); display: flex; flex-direction: column; align-items: center; gap: 4px;
      border: none; background: none; padding: 4px; cursor: pointer; font: var(--mat-sys-label-small); color: var(--mat-sys-on-surface-variant); }
    .bt-timeline-dot { width: 14px; height: 14px; border-radius: 50%; background: var(--mat-sys-surface); border: 2px solid var(--mat-sys-primary); box-sizing: border-box; }
    .bt-partial .bt-timeline-dot { border-color: #b07d00; border-style: dashed; }
    .bt-selected .bt-timeline-dot { background: var(--mat-sys-primary); transform: scale(1.3); }
    .bt-selected { color: var(--mat-sys-primary); font-weight: 600; }
    .bt-timeline-mark:focus-visible { outline: 2px solid var(--mat-sys-primary); border-radius: 6px; }
    .bt-selected { z-index: 1; }
    .bt-timeline-ends { display: flex; justify-content: space-between; margin: 0 8px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SnapshotTimelineComponent {
  /** Any order; shown oldest to newest. */
  readonly snapshots = input.required<readonly Snapshot[]>();
  readonly selected = input<number | null>(null);
  readonly picked = output<number>();

  protected readonly marks = computed(() => {
    const sorted = [...this.snapshots()].sort((a, b) => a.seq - b.seq);
    const times = sorted.map((s) => Date.parse(s.completedAt));
    const first = Math.min(...times);
    const span = Math.max(...times) - first;
    return sorted.map((snapshot, i) => ({
      snapshot,
      // By time when the snapshots span some; evenly when they all finished at once.
      left: sorted.length === 1 ? 50 : span > 0 ? (100 * (times[i]! - first)) / span : (100 * i) / (sorted.length - 1),
      label: `Snapshot #${snapshot.seq}, ${new Date(snapshot.completedAt).toLocaleString()}, ${snapshot.fileCount} files, ${formatBytes(snapshot.totalBytes)}${snapshot.partial ? ', partial' : ''}`,
    }));
  });
}
