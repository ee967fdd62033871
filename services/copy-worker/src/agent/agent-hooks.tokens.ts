export const AGENT_HOOK_OPTIONS = Symbol('AGENT_HOOK_OPTIONS');

export interface AgentHookOptions {
  /** Derives each agent's callback token (deriveCallbackToken). */
  secretKey: Buffer;
  /** AGENT_HEARTBEAT_SECONDS: an agent silent for three intervals is offline. */
  heartbeatSeconds: number;
  /** Per-call timeout of prepare/release; longer than the agent's own command timeout. */
  callTimeoutMs: number;
}
