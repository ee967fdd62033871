import {
  AgentFault,
  CallbackMethods,
  checkBasicAuth,
  XmlRpcEndpoint,
  XmlRpcError,
  XmlRpcMethodRegistry,
  type AgentJournalState,
  type AgentShareConfig,
  type CallbackJob,
  type CommandResult,
  type XmlRpcCallMeta,
  type XmlRpcStruct,
} from '@backtrac/xmlrpc';
import type { AddressInfo } from 'node:net';
import type { AgentHook } from './agent-config.js';
import { runCommand } from './command-runner.js';

class CallbackAuthError extends XmlRpcError {
  readonly faultCode = AgentFault.AUTH_FAILED;
  readonly code = 'AUTH_FAILED';
}
class UnknownShareError extends XmlRpcError {
  readonly faultCode = AgentFault.NOT_FOUND;
  readonly code = 'NOT_FOUND';
}
class BusyError extends XmlRpcError {
  readonly faultCode = AgentFault.BUSY;
  readonly code = 'BUSY';
}
class UnknownHookError extends XmlRpcError {
  readonly faultCode = AgentFault.HOOK_UNKNOWN;
  readonly code = 'HOOK_UNKNOWN';
}

export interface CallbackContext {
  shares(): readonly AgentShareConfig[];
  /** The hooks of the agent's own configuration file: the only commands it ever runs. */
  hooks(): Readonly<Record<string, AgentHook>>;
  /** Where the hooks are declared, for the message when the server names an unknown one. */
  configPath: string;
  commandTimeoutMs(): number;
  log(level: string, msg: string, extra?: Record<string, unknown>): void;
  /** Delivers pending changes to the gateway and describes the journal (for prepare). */
  journalBeforeBackup(): Promise<AgentJournalState & { flushed: boolean }>;
}

/**
 * The agent's own XML-RPC endpoint, called by the server side: prepare(job) runs the hook the
 * share names as its pre-backup hook, release(job) its post-backup hook. Hooks are looked up in the
 * agent's own configuration; a name it does not declare is refused. Only callers presenting the
 * callback token (HTTP Basic `backtrac:<token>`) are served.
 */
export class CallbackServer {
  private readonly endpoint: XmlRpcEndpoint;
  private readonly running = new Set<string>();

  constructor(host: string, port: number, callbackToken: string, private readonly ctx: CallbackContext) {
    const registry = new XmlRpcMethodRegistry();
    const authed = <T>(fn: (job: CallbackJob) => Promise<T>) => (params: unknown[], meta: XmlRpcCallMeta) => {
      if (!checkBasicAuth(meta.request.headers.authorization, 'backtrac', callbackToken)) throw new CallbackAuthError('bad callback credentials');
      const job = params[0] as XmlRpcStruct;
      return fn({ jobId: String(job.jobId ?? ''), share: String(job.share ?? '') });
    };
    const jobSig = { signatures: [['struct', 'struct']] as const };
    registry.add(
      CallbackMethods.prepare,
      { help: 'prepare({jobId, share}) delivers pending changes, then runs the share pre-backup hook.', ...jobSig },
      authed(async (job) => {
        const journal = await this.ctx.journalBeforeBackup();
        return { ...(await this.run(job, 'preHook')), journal };
      }),
    );
    registry.add(CallbackMethods.release, { help: 'release({jobId, share}) runs the share post-backup hook.', ...jobSig }, authed((job) => this.run(job, 'postHook')));
    registry.add(CallbackMethods.ping, { help: 'ping() -> "pong"', signatures: [['string']] }, (params, meta) => {
      if (!checkBasicAuth(meta.request.headers.authorization, 'backtrac', callbackToken)) throw new CallbackAuthError('bad callback credentials');
      return 'pong';
    });
    this.endpoint = new XmlRpcEndpoint({ host, port, limits: { maxBodyBytes: 1024 * 1024, maxDepth: 16 } }, registry);
  }

  listen(): Promise<AddressInfo> {
    return this.endpoint.listen();
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }

  private async run(job: CallbackJob, which: 'preHook' | 'postHook'): Promise<CommandResult> {
    const share = this.ctx.shares().find((s) => s.name === job.share);
    if (!share) throw new UnknownShareError(`no share "${job.share.slice(0, 100)}" in this agent's configuration`);
    const name = share[which] ?? '';
    if (name === '') return { ok: true, exitCode: 0, timedOut: false, output: '', durationMs: 0, ran: false };
    const hooks = this.ctx.hooks();
    const hook = Object.hasOwn(hooks, name) ? hooks[name] : undefined;
    if (!hook) {
      this.ctx.log('warn', 'refused a hook this agent does not declare', { share: share.name, jobId: job.jobId, hook: name.slice(0, 100) });
      throw new UnknownHookError(`hook "${name.slice(0, 100)}" is not declared in this agent's configuration (${this.ctx.configPath}, "hooks"); the agent runs only hooks declared there`);
    }
    const key = `${share.name}/${which}`;
    if (this.running.has(key)) throw new BusyError(`${which} of ${share.name} is already running`);
    this.running.add(key);
    try {
      const cwd = share.localPath !== '' ? share.localPath : undefined;
      const timeoutMs = hook.timeoutSeconds !== undefined ? hook.timeoutSeconds * 1000 : this.ctx.commandTimeoutMs();
      const result = await runCommand(hook.command, timeoutMs, cwd);
      this.ctx.log(result.ok ? 'info' : 'warn', `hook ${name} finished`, { share: share.name, jobId: job.jobId, exitCode: result.exitCode, timedOut: result.timedOut, durationMs: result.durationMs });
      return result;
    } finally {
      this.running.delete(key);
    }
  }
}
