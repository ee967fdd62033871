import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { AgentAdminRepository, type Agent, AuditLogRepository, ClientRepository, type EnrolmentToken, type IssuedEnrolmentToken, isAgentOnline } from '@backtrac/catalog';
import { API_CONFIG, type ApiConfig } from '../common/api-config.js';

const DEFAULT_TOKEN_HOURS = 24;

/** Enrolment tokens, the agent list with online state, approval and revocation. */
@Injectable()
export class AgentsService {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly agents: AgentAdminRepository,
    private readonly clients: ClientRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  async issueToken(userId: string, clientId: string, ttlHours = DEFAULT_TOKEN_HOURS, requiresApproval = false): Promise<IssuedEnrolmentToken> {
    if (!(await this.clients.findById(clientId))) throw new NotFoundException(`Client ${clientId} does not exist`);
    const issued = await this.agents.issueEnrolmentToken(clientId, ttlHours * 3600, userId, new Date(), requiresApproval);
    const actor = `user:${userId}`;
    await this.audit.record({ actor, action: 'agent.token-issued', target: `client:${clientId}`, details: { tokenId: issued.id, expiresAt: issued.expiresAt.toISOString() } });
    return issued;
  }

  listTokens(clientId?: string): Promise<EnrolmentToken[]> {
    return this.agents.listEnrolmentTokens(clientId);
  }

  async revokeToken(actor: string, id: string): Promise<void> {
    const outcome = await this.agents.revokeEnrolmentToken(id);
    if (outcome === 'missing') throw new NotFoundException(`Enrolment token ${id} does not exist`);
    if (outcome === 'used') throw new ConflictException(`Enrolment token ${id} was already used; revoke the agent it enrolled instead`);
    await this.audit.record({ actor, action: 'agent.token-revoked', target: `token:${id}` });
  }

  async list(now = new Date()): Promise<{ agent: Agent; online: boolean }[]> {
    return (await this.agents.list()).map((agent) => ({ agent, online: agent.status === 'approved' && isAgentOnline(agent.lastHeartbeatAt, this.config.AGENT_HEARTBEAT_SECONDS, now) }));
  }

  async approve(actor: string, id: string, clientId: string): Promise<{ agent: Agent; online: boolean }> {
    const agent = await this.get(id);
    if (agent.status === 'revoked') throw new ConflictException(`Agent ${id} is revoked; enrol it again with a new token`);
    if (!(await this.clients.findById(clientId))) throw new BadRequestException(`Client ${clientId} does not exist`);
    await this.agents.approve(id, clientId);
    await this.audit.record({ actor, action: 'agent.approved', target: `agent:${id}`, details: { clientId } });
    return this.view(await this.get(id));
  }

  async revoke(actor: string, id: string): Promise<{ agent: Agent; online: boolean }> {
    await this.get(id);
    await this.agents.revoke(id);
    await this.audit.record({ actor, action: 'agent.revoked', target: `agent:${id}` });
    return this.view(await this.get(id));
  }

  /**
   * The gateway's XML-RPC endpoint for the enrol command: GATEWAY_PUBLIC_URL, else PUBLIC_URL's
   * host with the gateway's port. Never the request's Host header, which whoever sends the request
   * (or a DNS-rebinding page) chooses.
   */
  gatewayUrl(): string {
    if (this.config.GATEWAY_PUBLIC_URL) return this.config.GATEWAY_PUBLIC_URL;
    const scheme = this.config.GATEWAY_TLS_CERT_FILE ? 'https' : 'http';
    const host = this.config.PUBLIC_URL ? new URL(this.config.PUBLIC_URL).hostname : 'backup-server';
    return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${this.config.GATEWAY_RPC_PORT}/RPC2`;
  }

  private view(agent: Agent): { agent: Agent; online: boolean } {
    return { agent, online: agent.status === 'approved' && isAgentOnline(agent.lastHeartbeatAt, this.config.AGENT_HEARTBEAT_SECONDS) };
  }

  private async get(id: string): Promise<Agent> {
    const agent = await this.agents.findById(id);
    if (!agent) throw new NotFoundException(`Agent ${id} does not exist`);
    return agent;
  }
}
