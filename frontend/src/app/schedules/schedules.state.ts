import { Injectable, computed, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { clientsList } from '../api/fn/clients/clients-list';
import { retentionPoliciesCreate } from '../api/fn/retention-policies/retention-policies-create';
import { retentionPoliciesRemove } from '../api/fn/retention-policies/retention-policies-remove';
import { retentionPoliciesList } from '../api/fn/retention-policies/retention-policies-list';
import { retentionPoliciesUpdate } from '../api/fn/retention-policies/retention-policies-update';
import { schedulesCreate } from '../api/fn/schedules/schedules-create';
import { schedulesRemove } from '../api/fn/schedules/schedules-remove';
import { schedulesList } from '../api/fn/schedules/schedules-list';
import { schedulesUpdate } from '../api/fn/schedules/schedules-update';
import { ClientDto as Client } from '../api/models/client-dto';
import { CreateRetentionPolicyDto } from '../api/models/create-retention-policy-dto';
import { CreateScheduleDto } from '../api/models/create-schedule-dto';
import { RetentionPolicyDto as RetentionPolicy } from '../api/models/retention-policy-dto';
import { ScheduleDto as Schedule } from '../api/models/schedule-dto';
import { RequestStatus } from '../request-status';

/** Schedules and retention policies, plus the clients a schedule can target. */
@Injectable()
export class SchedulesState {
  private readonly api = inject(Api);
  private readonly _schedules = signal<readonly Schedule[]>([]);
  private readonly _policies = signal<readonly RetentionPolicy[]>([]);
  private readonly _clients = signal<readonly Client[]>([]);
  private readonly status = new RequestStatus();

  readonly schedules = this._schedules.asReadonly();
  readonly policies = this._policies.asReadonly();
  readonly clients = this._clients.asReadonly();
  readonly loading = this.status.loading;
  readonly error = this.status.error;

  readonly clientNames = computed(() => new Map(this._clients().map((c) => [c.id, c.name])));
  readonly policyNames = computed(() => new Map(this._policies().map((p) => [p.id, p.name])));

  async load(): Promise<void> {
    await this.status.track(async () => {
      const [schedules, policies, clients] = await Promise.all([
        this.api.invoke(schedulesList),
        this.api.invoke(retentionPoliciesList),
        this.api.invoke(clientsList),
      ]);
      this._schedules.set(schedules);
      this._policies.set(policies);
      this._clients.set([...clients].sort((a, b) => a.name.localeCompare(b.name)));
    });
  }

  async saveSchedule(id: string | null, body: CreateScheduleDto): Promise<Schedule> {
    const saved = id ? await this.api.invoke(schedulesUpdate, { id, body }) : await this.api.invoke(schedulesCreate, { body });
    this._schedules.update((list) => (id ? list.map((s) => (s.id === id ? saved : s)) : [...list, saved]));
    return saved;
  }

  async removeSchedule(id: string): Promise<void> {
    await this.api.invoke(schedulesRemove, { id });
    this._schedules.update((list) => list.filter((s) => s.id !== id));
  }

  async savePolicy(id: string | null, body: CreateRetentionPolicyDto): Promise<RetentionPolicy> {
    const saved = id
      ? await this.api.invoke(retentionPoliciesUpdate, { id, body })
      : await this.api.invoke(retentionPoliciesCreate, { body });
    this._policies.update((list) => (id ? list.map((p) => (p.id === id ? saved : p)) : [...list, saved]));
    return saved;
  }

  async removePolicy(id: string): Promise<void> {
    await this.api.invoke(retentionPoliciesRemove, { id });
    this._policies.update((list) => list.filter((p) => p.id !== id));
  }
}
