/** Settings of the agent RPC module; the gateway's boot code fills them from @backtrac/config. */
export interface AgentRpcOptions {
  /** SECRET_KEY: derives the token the gateway presents on agents' callback endpoints. */
  secretKey: Buffer;
  /** Accept enrolment without a token; such agents stay "pending" until an admin approves them. */
  allowUnsolicitedEnrolment: boolean;
  /** How often agents should heartbeat; an agent is offline after 3 missed beats. Default 30. */
  heartbeatSeconds?: number;
  /** Timeout agents apply to pre/post commands. Default 600. */
  commandTimeoutSeconds?: number;
  /** Bad secrets/tokens per address (and per agent id) within `badAuthWindowSeconds` before lockout. Default 10. */
  badAuthLimit?: number;
  /** Default 300. */
  badAuthWindowSeconds?: number;
}

export const AGENT_RPC_OPTIONS = Symbol('AGENT_RPC_OPTIONS');

export type ResolvedAgentRpcOptions = Required<AgentRpcOptions>;

export function resolveAgentRpcOptions(options: AgentRpcOptions): ResolvedAgentRpcOptions {
  return {
    heartbeatSeconds: 30,
    commandTimeoutSeconds: 600,
    badAuthLimit: 10,
    badAuthWindowSeconds: 300,
    ...options,
  };
}

/** One rule for "online" everywhere: the catalog's (three missed heartbeats). */
export { isAgentOnline } from '@backtrac/catalog';
