import { Injectable, computed, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { listClients } from '../api/fn/clients/list-clients';
import { listRetentionPolicies } from '../api/fn/retention-policies/list-retention-policies';
import { listSchedules } from '../api/fn/schedules/list-schedules';
import { Client } from '../api/models/client';
import { RetentionPolicy } from '../api/models/retention-policy';
import { Schedule } from '../api/models/schedule';
import { httpErrorMessage } from '../http-error-message';

/** Counts for the dashboard, computed from the lists the API already serves. */
@Injectable()
export class DashboardState {
  private readonly api = inject(Api);
  private readonly clients = signal<readonly Client[] | null>(null);
  private readonly schedules = signal<readonly Schedule[] | null>(null);
  private readonly policies = signal<readonly RetentionPolicy[] | null>(null);
  private readonly _error = signal<string | null>(null);

  readonly error = this._error.asReadonly();
  readonly loaded = computed(() => this.clients() !== null);
  readonly clientCount = computed(() => this.clients()?.length ?? null);
  readonly enabledClientCount = computed(() => this.clients()?.filter((c) => c.enabled).length ?? null);
  readonly scheduleCount = computed(() => this.schedules()?.length ?? null);
  readonly enabledScheduleCount = computed(() => this.schedules()?.filter((s) => s.enabled).length ?? null);
  readonly policyCount = computed(() => this.policies()?.length ?? null);

  async load(): Promise<void> {
    this._error.set(null);
    try {
      const [clients, schedules, policies] = await Promise.all([
        this.api.invoke(listClients),
        this.api.invoke(listSchedules),
        this.api.invoke(listRetentionPolicies),
      ]);
      this.clients.set(clients);
      this.schedules.set(schedules);
      this.policies.set(policies);
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    }
  }
}
