import { createHmac, timingSafeEqual } from 'node:crypto';
import { XmlRpcClient, type XmlRpcClientOptions } from './xmlrpc.client.js';
import type { XmlRpcStruct, XmlRpcValue } from './xmlrpc.codec.js';

/**
 * The agent protocol, shared by the gateway (server of agent.*), the agent (server of the
 * callbacks) and whoever calls the callbacks (copy worker / gateway).
 *
 * Authentication: after enrolment an agent sends HTTP Basic auth `agentId:secret` on every call
 * (Python: ServerProxy("http://<agentId>:<secret>@host:port/RPC2")). The gateway authenticates
 * itself to an agent's callback endpoint with Basic auth `backtrac:<callbackToken>`, a token the
 * gateway derives from SECRET_KEY and the agent id (so nothing extra is stored) and hands to the
 * agent at enrolment.
 */

/** Stable fault codes of the agent protocol (transport faults are negative, see TransportFault). */
export const AgentFault = {
  AUTH_REQUIRED: 1001,
  AUTH_FAILED: 1002,
  RATE_LIMITED: 1003,
  AGENT_PENDING: 1004,
  AGENT_REVOKED: 1005,
  TOKEN_INVALID: 1010,
  ENROLMENT_CLOSED: 1011,
  NOT_FOUND: 1020,
  BAD_REQUEST: 1030,
  BUSY: 1060,
  /** The server named a hook this agent's own configuration does not declare. */
  HOOK_UNKNOWN: 1070,
} as const;
export type AgentFaultCode = keyof typeof AgentFault;

export const AgentMethods = {
  enroll: 'agent.enroll',
  heartbeat: 'agent.heartbeat',
  getConfig: 'agent.getConfig',
  reportChanges: 'agent.reportChanges',
  requestBackup: 'agent.requestBackup',
  jobStatus: 'agent.jobStatus',
} as const;

export const CallbackMethods = {
  prepare: 'prepare',
  release: 'release',
  ping: 'ping',
} as const;

export type AgentState = 'pending' | 'approved' | 'revoked';

export interface EnrollResult {
  agentId: string;
  /** The agent's own secret: shown once, stored by the gateway only as an argon2id hash. */
  secret: string;
  status: AgentState;
  /** Token the gateway presents when it calls the agent's callback endpoint. */
  callbackToken: string;
  clientId: string | null;
}

export interface HeartbeatInfo {
  version?: string;
  callbackUrl?: string;
  /** Only check credentials and status; do not mark the agent online (`backtrac-agent status`). */
  probe?: boolean;
  /** The agent's change journal right now. */
  journal?: AgentJournalState;
}

/**
 * An agent's journal: `epoch` is the epoch part of its cursor (`<start ms>-<random>`, started when
 * its watches were in place); `complete` is true only while every configured share is watched.
 * An incomplete journal must not replace a walk of any share.
 */
export interface AgentJournalState {
  epoch: string;
  complete: boolean;
}

export interface HeartbeatResult {
  status: AgentState;
  /** Changes whenever getConfig would answer differently. */
  configVersion: string;
  serverTime: Date;
}

export interface AgentShareConfig {
  id: string;
  name: string;
  url: string;
  /** Local directory the agent watches for this share ('' when unknown). */
  localPath: string;
  excludes: string[];
  /**
   * Names of hooks declared in the agent's own configuration file ('' none). The server only names
   * them: what a hook runs is decided on the client, so no server can make an agent run a command.
   */
  preHook: string;
  postHook: string;
}

/** What a hook name may look like, on the server (share settings) and in the agent's configuration. */
export const HOOK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isHookName(value: string): boolean {
  return HOOK_NAME_PATTERN.test(value);
}

export interface AgentScheduleConfig {
  name: string;
  cron: string;
  timezone: string;
  windowStart: string | null;
  windowEnd: string | null;
}

export interface AgentConfig {
  agentId: string;
  clientId: string;
  clientName: string;
  configVersion: string;
  shares: AgentShareConfig[];
  schedules: AgentScheduleConfig[];
  heartbeatSeconds: number;
  /** Timeout for pre/post hooks (an agent's own hook may set a different one). */
  commandTimeoutSeconds: number;
}

/**
 * Journal cursors are `<epoch>:<seq>`. An agent reports changes from the cursor the gateway last
 * acknowledged; the gateway answers with the new cursor. A report whose cursor does not follow
 * the stored one (new epoch after an agent restart, lost report, overflow) is accepted but opens a
 * gap: `continuous` is false and the next backup of that share walks the whole share.
 */
export interface ReportChangesResult {
  cursor: string;
  accepted: number;
  continuous: boolean;
}

export interface RequestBackupResult {
  jobId: string;
  runId: string;
  state: string;
}

export interface JobStatus {
  jobId: string;
  runId: string;
  state: string;
  mode: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  filesNew: number;
  filesChanged: number;
  bytesRead: string;
}

export interface CallbackJob {
  jobId: string;
  share: string;
}

export interface CommandResult {
  ok: boolean;
  /** null when the command was killed (timeout) or did not start. */
  exitCode: number | null;
  timedOut: boolean;
  /** stdout and stderr interleaved, truncated to the last 64 KiB. */
  output: string;
  durationMs: number;
  /** false when the share names no such hook (ok is then true). */
  ran: boolean;
  /**
   * prepare only: the agent's journal after it flushed its pending changes to the gateway
   * (`flushed` false when that failed). Pass it to journalDecision.
   */
  journal?: AgentJournalState & { flushed: boolean };
}

/**
 * The journal epoch the gateway stores (change_journal_entries.epoch and agents.journal_epoch) is
 * `<since ms>.<agent epoch>`: every change after `since` is in the journal under that epoch.
 */
export function journalEpoch(sinceMs: number, agentEpoch: string): string {
  return `${sinceMs}.${agentEpoch}`;
}

/** The `since` of a journal epoch, in ms; NaN for anything that is not an epoch. */
export function journalSince(epoch: string): number {
  const dot = epoch.indexOf('.');
  return dot > 0 && /^\d+$/.test(epoch.slice(0, dot)) ? Number(epoch.slice(0, dot)) : Number.NaN;
}

export type JournalDecision = { mode: 'journal'; epoch: string; since: Date } | { mode: 'walk'; reason: string };

/**
 * For the copy worker: may the next backup of a client read only the journal's changed paths
 * instead of walking? Yes when the agent's current journal epoch started no later than the previous
 * snapshot's run did (so every change since then is recorded) and the agent is alive. Pass the
 * `journal` of the agent's prepare() answer as `fromPrepare`: it proves, at backup time, that the
 * agent still runs the same epoch, watches every share, and has delivered its pending changes.
 * The changed paths are then the entries of `epoch` for the share created at or after the previous
 * run's start.
 */
export function journalDecision(
  agent: { journalEpoch: string | null; lastHeartbeatAt: Date | null } | null,
  previousRunStartedAt: Date | null,
  options: { heartbeatSeconds: number; now?: Date; fromPrepare?: CommandResult['journal'] },
): JournalDecision {
  if (!agent) return { mode: 'walk', reason: 'no agent for this client' };
  const live = options.fromPrepare;
  if (live && !live.complete) return { mode: 'walk', reason: 'the agent does not watch every share' };
  if (live && !live.flushed) return { mode: 'walk', reason: 'the agent could not deliver its latest changes' };
  if (live && agent.journalEpoch && !agent.journalEpoch.endsWith(`.${live.epoch}`)) {
    return { mode: 'walk', reason: 'the agent restarted its journal since it last reported' };
  }
  if (!previousRunStartedAt) return { mode: 'walk', reason: 'no previous snapshot' };
  if (!agent.journalEpoch) return { mode: 'walk', reason: 'the agent has not reported changes yet' };
  const now = options.now ?? new Date();
  if (!agent.lastHeartbeatAt || now.getTime() - agent.lastHeartbeatAt.getTime() >= 3 * options.heartbeatSeconds * 1000) {
    return { mode: 'walk', reason: 'the agent is offline, its journal may be missing changes' };
  }
  const since = journalSince(agent.journalEpoch);
  if (!Number.isFinite(since)) return { mode: 'walk', reason: 'unreadable journal epoch' };
  if (since > previousRunStartedAt.getTime()) return { mode: 'walk', reason: 'the journal has a gap since the previous snapshot (agent restart or lost changes)' };
  return { mode: 'journal', epoch: agent.journalEpoch, since: previousRunStartedAt };
}

/** Derives the token the gateway uses on an agent's callback endpoint. */
export function deriveCallbackToken(secretKey: Buffer, agentId: string): string {
  return createHmac('sha256', secretKey).update(`backtrac-agent-callback:${agentId}`).digest('base64url');
}

/** Constant-time check of an HTTP Basic `Authorization` header against user and password. */
export function checkBasicAuth(header: string | undefined, user: string, password: string): boolean {
  const got = parseBasicAuth(header);
  if (!got) return false;
  const a = Buffer.from(`${got.user}\u0000${got.password}`);
  const b = Buffer.from(`${user}\u0000${password}`);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (!header || !/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function basicAuthHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

type ClientOpts = Omit<XmlRpcClientOptions, 'headers'>;

/** Typed client of the gateway, used by the agent. */
export class AgentGatewayClient {
  private readonly rpc: XmlRpcClient;

  constructor(options: ClientOpts & { agentId?: string; secret?: string }) {
    const headers: Record<string, string> = {};
    if (options.agentId && options.secret) headers.Authorization = basicAuthHeader(options.agentId, options.secret);
    this.rpc = new XmlRpcClient({ ...options, headers });
  }

  async enroll(token: string, hostname: string, os: string, version: string, callbackUrl: string): Promise<EnrollResult> {
    return (await this.rpc.call(AgentMethods.enroll, [token, hostname, os, version, callbackUrl])) as unknown as EnrollResult;
  }

  async heartbeat(info: HeartbeatInfo = {}): Promise<HeartbeatResult> {
    return (await this.rpc.call(AgentMethods.heartbeat, [info as XmlRpcStruct])) as unknown as HeartbeatResult;
  }

  async getConfig(): Promise<AgentConfig> {
    return (await this.rpc.call(AgentMethods.getConfig)) as unknown as AgentConfig;
  }

  async reportChanges(share: string, cursor: string, paths: string[]): Promise<ReportChangesResult> {
    return (await this.rpc.call(AgentMethods.reportChanges, [share, cursor, paths])) as unknown as ReportChangesResult;
  }

  async requestBackup(share: string): Promise<RequestBackupResult> {
    return (await this.rpc.call(AgentMethods.requestBackup, [share])) as unknown as RequestBackupResult;
  }

  async jobStatus(id: string): Promise<JobStatus> {
    return (await this.rpc.call(AgentMethods.jobStatus, [id])) as unknown as JobStatus;
  }

  /** Escape hatch for methods added later; params are sent as given. */
  call(method: string, params: XmlRpcValue[]): Promise<XmlRpcValue> {
    return this.rpc.call(method, params);
  }
}

/** Typed client of an agent's callback endpoint, used by the gateway / copy worker. */
export class AgentCallbackClient {
  private readonly rpc: XmlRpcClient;

  constructor(options: ClientOpts & { callbackToken: string }) {
    this.rpc = new XmlRpcClient({ ...options, headers: { Authorization: basicAuthHeader('backtrac', options.callbackToken) } });
  }

  async prepare(job: CallbackJob): Promise<CommandResult> {
    return (await this.rpc.call(CallbackMethods.prepare, [job as unknown as XmlRpcStruct])) as unknown as CommandResult;
  }

  async release(job: CallbackJob): Promise<CommandResult> {
    return (await this.rpc.call(CallbackMethods.release, [job as unknown as XmlRpcStruct])) as unknown as CommandResult;
  }

  async ping(): Promise<string> {
    return (await this.rpc.call(CallbackMethods.ping)) as string;
  }
}
