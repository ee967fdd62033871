import { Inject, Injectable } from '@nestjs/common';
import type { BackupAgent } from '@backtrac/catalog';
import { AgentCallbackClient, type CallbackJob, type CommandResult, deriveCallbackToken } from '@backtrac/xmlrpc';
import { AGENT_HOOK_OPTIONS, type AgentHookOptions } from './agent-hooks.tokens.js';

/** Calls an agent's callback endpoint (prepare/release) over XML-RPC. */
@Injectable()
export class AgentCallbackRepository {
  constructor(@Inject(AGENT_HOOK_OPTIONS) private readonly options: AgentHookOptions) {}

  prepare(agent: BackupAgent, job: CallbackJob): Promise<CommandResult> {
    return this.client(agent).prepare(job);
  }

  release(agent: BackupAgent, job: CallbackJob): Promise<CommandResult> {
    return this.client(agent).release(job);
  }

  private client(agent: BackupAgent): AgentCallbackClient {
    return new AgentCallbackClient({
      url: agent.callbackUrl,
      timeoutMs: this.options.callTimeoutMs,
      callbackToken: deriveCallbackToken(this.options.secretKey, agent.id),
    });
  }
}
