import { Inject, Injectable } from '@nestjs/common';
import { ScheduleRepository, ShareRepository, type Agent, type Share, AgentRepository } from '@backtrac/catalog';
import type { AgentConfig, AgentShareConfig, HeartbeatInfo, HeartbeatResult } from '@backtrac/xmlrpc';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AGENT_RPC_OPTIONS, isAgentOnline, type ResolvedAgentRpcOptions } from './agent-rpc.options.js';
import { HeartbeatBufferRepository } from './heartbeat-buffer.repository.js';
import { ChangeJournalService } from './change-journal.service.js';
import { AgentPendingError, BadRequestError, NotFoundError } from './agent-rpc.errors.js';
import { checkCallbackUrl } from './enrolment.service.js';

/** The directory an agent watches for a share: the path of a file:// URL, else unknown (''). */
export function localPathOf(share: Pick<Share, 'url'>): string {
  if (!share.url.startsWith('file://')) return '';
  try {
    return fileURLToPath(share.url);
  } catch {
    return '';
  }
}

/** Heartbeats (online state) and the configuration an agent pulls. */
/** configVersion is recomputed at most this often per client, so heartbeats stay cheap. */
const CONFIG_VERSION_TTL_MS = 5_000;

@Injectable()
export class AgentStateService {
  private readonly versions = new Map<string, { version: string; until: number }>();
  private readonly computing = new Map<string, Promise<string>>();

  constructor(
    private readonly agents: AgentRepository,
    private readonly heartbeats: HeartbeatBufferRepository,
    private readonly journal: ChangeJournalService,
    private readonly shares: ShareRepository,
    private readonly schedules: ScheduleRepository,
    @Inject(AGENT_RPC_OPTIONS) private readonly options: ResolvedAgentRpcOptions,
  ) {}

  async heartbeat(agent: Agent, info: HeartbeatInfo, address: string): Promise<HeartbeatResult> {
    if (info.version !== undefined && (typeof info.version !== 'string' || info.version.length > 100)) throw new BadRequestError('version must be a short string');
    let callbackUrl: string | null | undefined;
    if (info.callbackUrl !== undefined) {
      if (typeof info.callbackUrl !== 'string') throw new BadRequestError('callbackUrl must be a string');
      callbackUrl = checkCallbackUrl(info.callbackUrl);
    }
    const now = new Date();
    if (info.probe === true) return { status: agent.status, configVersion: '', serverTime: now };
    const changed =
      (info.version !== undefined && info.version !== agent.version) ||
      (callbackUrl !== undefined && callbackUrl !== agent.callbackUrl) ||
      address !== agent.lastAddress ||
      !isAgentOnline(agent.lastHeartbeatAt, this.options.heartbeatSeconds, now);
    if (changed) {
      await this.agents.recordHeartbeat(agent.id, { at: now, address, version: info.version, callbackUrl });
    } else {
      this.heartbeats.defer(agent.id, now, address);
    }
    // The row may be the auth cache's copy: keep it current for the next beat's comparison.
    agent.lastHeartbeatAt = now;
    agent.lastAddress = address;
    if (info.version !== undefined) agent.version = info.version;
    if (callbackUrl !== undefined) agent.callbackUrl = callbackUrl;
    if (agent.status === 'approved') await this.journal.observe(agent, info.journal, now.getTime());
    const configVersion = agent.status === 'approved' && agent.clientId ? await this.configVersion(agent.clientId, now.getTime()) : '';
    return { status: agent.status, configVersion, serverTime: now };
  }

  async getConfig(agent: Agent): Promise<AgentConfig> {
    if (agent.status !== 'approved' || !agent.clientId) throw new AgentPendingError();
    const config = await this.build(agent.clientId);
    return { agentId: agent.id, ...config };
  }

  /**
   * Cached per client (every agent of a client shares the version; the agent id never changes it).
   * An expired version is still answered, for up to a minute, while a fresh one is computed behind.
   */
  private async configVersion(clientId: string, now: number): Promise<string> {
    const cached = this.versions.get(clientId);
    if (cached && cached.until > now) return cached.version;
    const fresh = this.computeVersion(clientId, now);
    if (cached && now - cached.until < 60_000) {
      fresh.catch(() => undefined);
      return cached.version;
    }
    return fresh;
  }

  private computeVersion(clientId: string, now: number): Promise<string> {
    let pending = this.computing.get(clientId);
    if (!pending) {
      pending = this.build(clientId)
        .then(({ configVersion }) => {
          if (this.versions.size > 10_000) this.versions.clear();
          this.versions.set(clientId, { version: configVersion, until: now + CONFIG_VERSION_TTL_MS });
          return configVersion;
        })
        .finally(() => this.computing.delete(clientId));
      this.computing.set(clientId, pending);
    }
    return pending;
  }

  private async build(clientId: string): Promise<Omit<AgentConfig, 'agentId'>> {
    const client = await this.agents.findClient(clientId);
    if (!client) throw new NotFoundError('the client of this agent no longer exists');
    const shares: AgentShareConfig[] = (await this.shares.listForClient(clientId)).map((s) => ({
      id: s.id,
      name: s.name,
      url: s.url,
      localPath: localPathOf(s),
      excludes: s.excludes,
      preHook: s.preHook,
      postHook: s.postHook,
    }));
    const enabled = await this.schedules.listEnabled();
    const own = enabled.filter((s) => s.clientId === clientId);
    const schedules = (own.length > 0 ? own : enabled.filter((s) => s.clientId === null)).map((s) => ({
      name: s.name,
      cron: s.cron,
      timezone: s.timezone,
      windowStart: s.windowStart,
      windowEnd: s.windowEnd,
    }));
    const body = {
      clientId,
      clientName: client.name,
      shares,
      schedules,
      heartbeatSeconds: this.options.heartbeatSeconds,
      commandTimeoutSeconds: this.options.commandTimeoutSeconds,
    };
    const configVersion = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
    return { ...body, configVersion };
  }
}
