import { Injectable, computed, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { clientsList } from '../api/fn/clients/clients-list';
import { retentionPoliciesList } from '../api/fn/retention-policies/retention-policies-list';
import { runsList } from '../api/fn/runs/runs-list';
import { schedulesList } from '../api/fn/schedules/schedules-list';
import { statsStore } from '../api/fn/stats/stats-store';
import { ClientDto as Client } from '../api/models/client-dto';
import { RetentionPolicyDto as RetentionPolicy } from '../api/models/retention-policy-dto';
import { RunDto as Run } from '../api/models/run-dto';
import { ScheduleDto as Schedule } from '../api/models/schedule-dto';
import { StoreStatsDto as StoreStats } from '../api/models/store-stats-dto';
import { httpErrorMessage } from '../http-error-message';

/** Counts, the latest runs and the store's growth for the dashboard. */
@Injectable()
export class DashboardState {
  private readonly api = inject(Api);
  private readonly clients = signal<readonly Client[] | null>(null);
  private readonly schedules = signal<readonly Schedule[] | null>(null);
  private readonly policies = signal<readonly RetentionPolicy[] | null>(null);
  private readonly _runs = signal<readonly Run[] | null>(null);
  private readonly _stats = signal<StoreStats | null>(null);
  private readonly _error = signal<string | null>(null);

  readonly error = this._error.asReadonly();
  readonly loaded = computed(() => this.clients() !== null);
  readonly clientCount = computed(() => this.clients()?.length ?? null);
  readonly enabledClientCount = computed(() => this.clients()?.filter((c) => c.enabled).length ?? null);
  readonly scheduleCount = computed(() => this.schedules()?.length ?? null);
  readonly enabledScheduleCount = computed(() => this.schedules()?.filter((s) => s.enabled).length ?? null);
  readonly policyCount = computed(() => this.policies()?.length ?? null);
  readonly lastRuns = this._runs.asReadonly();
  readonly stats = this._stats.asReadonly();
  /** Logical bytes over bytes stored for the runs charted: how many times dedup saved the space. */
  readonly dedupRatio = computed(() => {
    const stats = this._stats();
    return stats && stats.storedBytes > 0 ? stats.logicalBytes / stats.storedBytes : null;
  });

  async load(): Promise<void> {
    this._error.set(null);
    try {
      const [clients, schedules, policies, runs, stats] = await Promise.all([
        this.api.invoke(clientsList),
        this.api.invoke(schedulesList),
        this.api.invoke(retentionPoliciesList),
        this.api.invoke(runsList, { limit: 8 }),
        this.api.invoke(statsStore, { limit: 60 }),
      ]);
      this._runs.set(runs.runs);
      this._stats.set(stats);
      this.clients.set(clients);
      this.schedules.set(schedules);
      this.policies.set(policies);
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    }
  }
}
