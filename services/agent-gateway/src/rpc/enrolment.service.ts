import { Inject, Injectable } from '@nestjs/common';
import { AuditLogRepository, AgentRepository } from '@backtrac/catalog';
import { deriveCallbackToken, type EnrollResult } from '@backtrac/xmlrpc';
import { createHash } from 'node:crypto';
import { AgentAuthService } from './agent-auth.service.js';
import { AGENT_RPC_OPTIONS, type ResolvedAgentRpcOptions } from './agent-rpc.options.js';
import { BadRequestError, EnrolmentClosedError, TokenInvalidError } from './agent-rpc.errors.js';

export interface EnrolRequest {
  token: string;
  hostname: string;
  os: string;
  version: string;
  callbackUrl: string;
  address: string;
}

const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** Validates a callback URL: empty (no callbacks) or http(s) with a host, nothing else. */
export function checkCallbackUrl(url: string): string | null {
  if (url === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadRequestError('callbackUrl is not a URL');
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') {
    throw new BadRequestError('callbackUrl must be http(s)://host:port/path without credentials');
  }
  if (url.length > 2048) throw new BadRequestError('callbackUrl is too long');
  return parsed.toString();
}

@Injectable()
export class EnrolmentService {
  constructor(
    private readonly agents: AgentRepository,
    private readonly auth: AgentAuthService,
    private readonly audit: AuditLogRepository,
    @Inject(AGENT_RPC_OPTIONS) private readonly options: ResolvedAgentRpcOptions,
  ) {}

  /**
   * With a token: the token is claimed (one use), the agent is approved and bound to the token's
   * client (or a new client named after the host). Without one, when unsolicited enrolment is on,
   * the agent is created "pending" with no client until an admin approves it.
   */
  async enrol(req: EnrolRequest): Promise<EnrollResult> {
    this.auth.assertAddressNotLocked(req.address);
    if (!HOSTNAME.test(req.hostname)) throw new BadRequestError('hostname must be 1-253 letters, digits, dots, dashes or underscores');
    if (req.os.length > 200 || req.version.length > 100) throw new BadRequestError('os or version too long');
    if (req.token.length > 512) throw new BadRequestError('token too long');
    const callbackUrl = checkCallbackUrl(req.callbackUrl);

    let clientId: string | null = null;
    let status: 'approved' | 'pending';
    if (req.token === '') {
      if (!this.options.allowUnsolicitedEnrolment) throw new EnrolmentClosedError();
      await this.auth.countUnsolicitedEnrolment(req.address);
      status = 'pending';
    } else {
      const claimed = await this.agents.claimToken(createHash('sha256').update(req.token).digest(), new Date());
      if (!claimed) {
        await this.auth.recordBadToken(req.address);
        throw new TokenInvalidError();
      }
      clientId = claimed.clientId ?? (await this.agents.createClientForHost(req.hostname)).id;
      status = claimed.requiresApproval ? 'pending' : 'approved';
    }

    const secret = AgentAuthService.newSecret();
    const agent = await this.agents.create({
      clientId,
      hostname: req.hostname,
      os: req.os,
      version: req.version,
      callbackUrl,
      secretHash: await AgentAuthService.hashSecret(secret),
      status,
      lastAddress: req.address,
    });
    await this.audit.record({
      actor: `agent:${agent.id}`,
      action: status === 'approved' ? 'agent.enrolled' : 'agent.enrol_pending',
      target: clientId ? `client:${clientId}` : null,
      address: req.address,
      details: { hostname: req.hostname, os: req.os, version: req.version },
    });
    return { agentId: agent.id, secret, status, callbackToken: deriveCallbackToken(this.options.secretKey, agent.id), clientId };
  }
}
