import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';

/** A screen whose API does not exist yet; says so plainly instead of showing invented data. */
@Component({
  selector: 'bt-not-available',
  imports: [MatCardModule, MatIconModule],
  template: `
    <section class="bt-page">
      <header class="bt-page-header"><h1>{{ heading() }}</h1></header>
      <mat-card appearance="outlined" class="bt-placeholder" data-testid="not-available">
        <mat-card-header>
          <mat-icon mat-card-avatar>construction</mat-icon>
          <mat-card-title>Not available yet</mat-card-title>
          <mat-card-subtitle>Placeholder</mat-card-subtitle>
        </mat-card-header>
        <mat-card-content><p>{{ explanation() }}</p></mat-card-content>
      </mat-card>
    </section>
  `,
  styles: `
    .bt-placeholder { border-style: dashed; background: var(--mat-sys-surface-container-low); max-width: 720px; }
    mat-icon[mat-card-avatar] { color: var(--mat-sys-on-surface-variant); font-size: 32px; width: 40px; height: 40px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotAvailableComponent {
  /** Bound from the route's data. */
  readonly heading = input.required<string>();
  readonly explanation = input.required<string>();
}
