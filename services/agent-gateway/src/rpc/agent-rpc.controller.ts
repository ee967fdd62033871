import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  AgentMethods,
  XmlRpcContext,
  XmlRpcMethod,
  type AgentConfig,
  type EnrollResult,
  type HeartbeatInfo,
  type HeartbeatResult,
  type JobStatus,
  type ReportChangesResult,
  type RequestBackupResult,
  type XmlRpcStruct,
  type XmlRpcValue,
} from '@backtrac/xmlrpc';
import type { Agent } from '@backtrac/catalog';
import { AgentAuthService } from './agent-auth.service.js';
import { AgentJobsService } from './agent-jobs.service.js';
import { AgentStateService } from './agent-state.service.js';
import { ChangeJournalService } from './change-journal.service.js';
import { EnrolmentService } from './enrolment.service.js';

/** XML-RPC handlers of the agent protocol: authentication here, everything else in services. */
@Controller()
export class AgentRpcController {
  constructor(
    private readonly auth: AgentAuthService,
    private readonly enrolment: EnrolmentService,
    private readonly state: AgentStateService,
    private readonly journal: ChangeJournalService,
    private readonly jobs: AgentJobsService,
  ) {}

  private agent(ctx: XmlRpcContext): Promise<Agent> {
    return this.auth.authenticate(ctx.getRequest().headers.authorization, ctx.getRemoteAddress());
  }

  @XmlRpcMethod(AgentMethods.enroll, {
    help: 'enroll(token, hostname, os, version, callbackUrl) -> {agentId, secret, status, callbackToken, clientId}. An empty token asks for approval when the server allows it.',
    signatures: [['struct', 'string', 'string', 'string', 'string', 'string']],
  })
  async enroll(@Payload() p: string[], @Ctx() ctx: XmlRpcContext): Promise<EnrollResult> {
    const [token = '', hostname = '', os = '', version = '', callbackUrl = ''] = p;
    return this.enrolment.enrol({ token, hostname, os, version, callbackUrl, address: ctx.getRemoteAddress() });
  }

  @XmlRpcMethod(AgentMethods.heartbeat, {
    help: 'heartbeat([{version, callbackUrl, probe}]) -> {status, configVersion, serverTime}. Marks the agent online unless probe is true.',
    signatures: [['struct'], ['struct', 'struct']],
  })
  async heartbeat(@Payload() p: XmlRpcValue[], @Ctx() ctx: XmlRpcContext): Promise<HeartbeatResult> {
    const agent = await this.auth.authenticate(ctx.getRequest().headers.authorization, ctx.getRemoteAddress(), Date.now(), { allowStale: true });
    return this.state.heartbeat(agent, (p[0] ?? {}) as XmlRpcStruct as HeartbeatInfo, ctx.getRemoteAddress());
  }

  @XmlRpcMethod(AgentMethods.getConfig, {
    help: 'getConfig() -> {clientId, clientName, configVersion, shares: [{id, name, url, localPath, excludes, preHook, postHook}], schedules, heartbeatSeconds, commandTimeoutSeconds}.',
    signatures: [['struct']],
  })
  async getConfig(@Ctx() ctx: XmlRpcContext): Promise<AgentConfig> {
    return this.state.getConfig(await this.agent(ctx));
  }

  @XmlRpcMethod(AgentMethods.reportChanges, {
    help: 'reportChanges(share, cursor, paths) -> {cursor, accepted, continuous}. cursor is "<start ms>-<random>:<seq>"; at most 10000 paths per call.',
    signatures: [['struct', 'string', 'string', 'array']],
  })
  async reportChanges(@Payload() p: [string, string, XmlRpcValue[]], @Ctx() ctx: XmlRpcContext): Promise<ReportChangesResult> {
    return this.journal.reportChanges(await this.agent(ctx), p[0], p[1], p[2]);
  }

  @XmlRpcMethod(AgentMethods.requestBackup, {
    help: 'requestBackup(share) -> {jobId, runId, state}. Returns the running job when one is active.',
    signatures: [['struct', 'string']],
  })
  async requestBackup(@Payload() p: [string], @Ctx() ctx: XmlRpcContext): Promise<RequestBackupResult> {
    return this.jobs.requestBackup(await this.agent(ctx), p[0]);
  }

  @XmlRpcMethod(AgentMethods.jobStatus, {
    help: 'jobStatus(id) -> {jobId, runId, state, mode, queuedAt, startedAt, finishedAt, error, filesNew, filesChanged, bytesRead}; id is a run id or job id of this client.',
    signatures: [['struct', 'string']],
  })
  async jobStatus(@Payload() p: [string], @Ctx() ctx: XmlRpcContext): Promise<JobStatus> {
    return this.jobs.jobStatus(await this.agent(ctx), p[0]);
  }
}
