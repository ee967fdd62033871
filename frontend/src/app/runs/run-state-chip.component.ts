import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { MatIconModule } from '@angular/material/icon';
import { RunDto as Run } from '../api/models/run-dto';

const LOOK: Record<Run['state'], { icon: string; label: string; tone: string }> = {
  queued: { icon: 'schedule', label: 'queued', tone: 'idle' },
  running: { icon: 'sync', label: 'running', tone: 'busy' },
  succeeded: { icon: 'check_circle', label: 'succeeded', tone: 'ok' },
  partial: { icon: 'warning', label: 'partial', tone: 'warn' },
  failed: { icon: 'error', label: 'failed', tone: 'bad' },
  cancelled: { icon: 'cancel', label: 'cancelled', tone: 'idle' },
};

/** A run's state as a small coloured chip with an icon, so it reads without colour too. */
@Component({
  selector: 'bt-run-state-chip',
  imports: [MatIconModule],
  template: `<span class="bt-run-state" [attr.data-tone]="look().tone" [attr.data-state]="state()"><mat-icon inline>{{ look().icon }}</mat-icon>{{ look().label }}</span>`,
  styles: `
    .bt-run-state { display: inline-flex; align-items: center; gap: 4px; padding: 2px 10px 2px 6px; border-radius: 12px; font: var(--mat-sys-label-medium); white-space: nowrap; }
    [data-tone='idle'] { background: var(--mat-sys-surface-container-highest); color: var(--mat-sys-on-surface-variant); }
    [data-tone='busy'] { background: var(--mat-sys-primary-container); color: var(--mat-sys-on-primary-container); }
    [data-tone='ok'] { background: #d7f5dd; color: #0b5a1e; }
    [data-tone='warn'] { background: #fff0c2; color: #6b4b00; }
    [data-tone='bad'] { background: var(--mat-sys-error-container); color: var(--mat-sys-on-error-container); }
    [data-tone='busy'] mat-icon { animation: bt-spin 1.6s linear infinite; }
    @keyframes bt-spin { to { transform: rotate(360deg); } }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RunStateChipComponent {
  readonly state = input.required<Run['state']>();
  protected readonly look = computed(() => LOOK[this.state()]);
}
