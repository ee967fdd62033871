import { Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { agentsApprove } from '../api/fn/agents/agents-approve';
import { agentsIssueToken } from '../api/fn/agents/agents-issue-token';
import { agentsList } from '../api/fn/agents/agents-list';
import { agentsRevoke } from '../api/fn/agents/agents-revoke';
import { clientsList } from '../api/fn/clients/clients-list';
import { AgentDto as Agent } from '../api/models/agent-dto';
import { ClientDto as Client } from '../api/models/client-dto';
import { EnrolmentTokenDto as EnrolmentToken } from '../api/models/enrolment-token-dto';
import { RequestStatus } from '../request-status';

/** Agents with their online state, the clients they can belong to, and the last issued token. */
@Injectable()
export class AgentsState {
  private readonly api = inject(Api);
  private readonly _agents = signal<readonly Agent[]>([]);
  private readonly _clients = signal<readonly Client[]>([]);
  private readonly _token = signal<EnrolmentToken | null>(null);
  private readonly status = new RequestStatus();

  readonly agents = this._agents.asReadonly();
  readonly clients = this._clients.asReadonly();
  /** Shown once: the raw token is not kept by the server. */
  readonly token = this._token.asReadonly();
  readonly loading = this.status.loading;
  readonly error = this.status.error;

  async load(): Promise<void> {
    await this.status.track(async () => {
      const [agents, clients] = await Promise.all([this.api.invoke(agentsList), this.api.invoke(clientsList)]);
      this._agents.set(agents);
      this._clients.set([...clients].sort((a, b) => a.name.localeCompare(b.name)));
    });
  }

  clientName(id: string | null): string {
    return this._clients().find((c) => c.id === id)?.name ?? '—';
  }

  issueToken(clientId: string): Promise<void> {
    return this.status.track(async () => {
      this._token.set(await this.api.invoke(agentsIssueToken, { id: clientId, body: {} }));
    });
  }

  approve(id: string, clientId: string): Promise<void> {
    return this.status.track(async () => this.replace(await this.api.invoke(agentsApprove, { id, body: { clientId } })));
  }

  revoke(id: string): Promise<void> {
    return this.status.track(async () => this.replace(await this.api.invoke(agentsRevoke, { id })));
  }

  private replace(agent: Agent): void {
    this._agents.update((list) => list.map((a) => (a.id === agent.id ? agent : a)));
  }
}
