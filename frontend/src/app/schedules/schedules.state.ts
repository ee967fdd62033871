import { Injectable, computed, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { listClients } from '../api/fn/clients/list-clients';
import { createRetentionPolicy } from '../api/fn/retention-policies/create-retention-policy';
import { deleteRetentionPolicy } from '../api/fn/retention-policies/delete-retention-policy';
import { listRetentionPolicies } from '../api/fn/retention-policies/list-retention-policies';
import { updateRetentionPolicy } from '../api/fn/retention-policies/update-retention-policy';
import { createSchedule } from '../api/fn/schedules/create-schedule';
import { deleteSchedule } from '../api/fn/schedules/delete-schedule';
import { listSchedules } from '../api/fn/schedules/list-schedules';
import { updateSchedule } from '../api/fn/schedules/update-schedule';
import { Client } from '../api/models/client';
import { CreateRetentionPolicyDto } from '../api/models/create-retention-policy-dto';
import { CreateScheduleDto } from '../api/models/create-schedule-dto';
import { RetentionPolicy } from '../api/models/retention-policy';
import { Schedule } from '../api/models/schedule';
import { httpErrorMessage } from '../http-error-message';

/** Schedules and retention policies, plus the clients a schedule can target. */
@Injectable()
export class SchedulesState {
  private readonly api = inject(Api);
  private readonly _schedules = signal<readonly Schedule[]>([]);
  private readonly _policies = signal<readonly RetentionPolicy[]>([]);
  private readonly _clients = signal<readonly Client[]>([]);
  private readonly _loading = signal(false);
  private readonly _error = signal<string | null>(null);

  readonly schedules = this._schedules.asReadonly();
  readonly policies = this._policies.asReadonly();
  readonly clients = this._clients.asReadonly();
  readonly loading = this._loading.asReadonly();
  readonly error = this._error.asReadonly();

  readonly clientNames = computed(() => new Map(this._clients().map((c) => [c.id, c.name])));
  readonly policyNames = computed(() => new Map(this._policies().map((p) => [p.id, p.name])));

  async load(): Promise<void> {
    this._loading.set(true);
    this._error.set(null);
    try {
      const [schedules, policies, clients] = await Promise.all([
        this.api.invoke(listSchedules),
        this.api.invoke(listRetentionPolicies),
        this.api.invoke(listClients),
      ]);
      this._schedules.set(schedules);
      this._policies.set(policies);
      this._clients.set([...clients].sort((a, b) => a.name.localeCompare(b.name)));
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    } finally {
      this._loading.set(false);
    }
  }

  async saveSchedule(id: string | null, body: CreateScheduleDto): Promise<Schedule> {
    const saved = id ? await this.api.invoke(updateSchedule, { id, body }) : await this.api.invoke(createSchedule, { body });
    this._schedules.update((list) => (id ? list.map((s) => (s.id === id ? saved : s)) : [...list, saved]));
    return saved;
  }

  async removeSchedule(id: string): Promise<void> {
    await this.api.invoke(deleteSchedule, { id });
    this._schedules.update((list) => list.filter((s) => s.id !== id));
  }

  async savePolicy(id: string | null, body: CreateRetentionPolicyDto): Promise<RetentionPolicy> {
    const saved = id
      ? await this.api.invoke(updateRetentionPolicy, { id, body })
      : await this.api.invoke(createRetentionPolicy, { body });
    this._policies.update((list) => (id ? list.map((p) => (p.id === id ? saved : p)) : [...list, saved]));
    return saved;
  }

  async removePolicy(id: string): Promise<void> {
    await this.api.invoke(deleteRetentionPolicy, { id });
    this._policies.update((list) => list.filter((p) => p.id !== id));
  }
}
