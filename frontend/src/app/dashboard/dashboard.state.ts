import { Injectable, computed, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { clientsList } from '../api/fn/clients/clients-list';
import { retentionPoliciesList } from '../api/fn/retention-policies/retention-policies-list';
import { schedulesList } from '../api/fn/schedules/schedules-list';
import { ClientDto as Client } from '../api/models/client-dto';
import { RetentionPolicyDto as RetentionPolicy } from '../api/models/retention-policy-dto';
import { ScheduleDto as Schedule } from '../api/models/schedule-dto';
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
        this.api.invoke(clientsList),
        this.api.invoke(schedulesList),
        this.api.invoke(retentionPoliciesList),
      ]);
      this.clients.set(clients);
      this.schedules.set(schedules);
      this.policies.set(policies);
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    }
  }
}
