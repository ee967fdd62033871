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

export interface CallbackContext {
  shares(): readonly AgentShareConfig[];
  commandTimeoutMs(): number;
  log(level: string, msg: string, extra?: Record<string, unknown>): void;
  /** Delivers pending changes to the gateway and describes the journal (for prepare). */
  journalBeforeBackup(): Promise<AgentJournalState & { flushed: boolean }>;
}

/**
 * The agent's own XML-RPC endpoint, called by the server side: prepare(job) runs the share's
 * pre-backup command, release(job) its post-backup command. Only callers presenting the callback
 * token (HTTP Basic `backtrac:<token>`) are served.
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
      { help: 'prepare({jobId, share}) delivers pending changes, then runs the share pre-backup command.', ...jobSig },
      authed(async (job) => {
        const journal = await this.ctx.journalBeforeBackup();
        return { ...(await this.run(job, 'preCommand')), journal };
      }),
    );
    registry.add(CallbackMethods.release, { help: 'release({jobId, share}) runs the share post-backup command.', ...jobSig }, authed((job) => this.run(job, 'postCommand')));
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

  private async run(job: CallbackJob, which: 'preCommand' | 'postCommand'): Promise<CommandResult> {
    const share = this.ctx.shares().find((s) => s.name === job.share);
    if (!share) throw new UnknownShareError(`no share "${job.share.slice(0, 100)}" in this agent's configuration`);
    const key = `${share.name}/${which}`;
    if (this.running.has(key)) throw new BusyError(`${which} of ${share.name} is already running`);
    this.running.add(key);
    try {
      const cwd = share.localPath !== '' ? share.localPath : undefined;
      const result = await runCommand(share[which], this.ctx.commandTimeoutMs(), cwd);
      this.ctx.log(result.ok ? 'info' : 'warn', `${which} finished`, { share: share.name, jobId: job.jobId, exitCode: result.exitCode, timedOut: result.timedOut, durationMs: result.durationMs });
      return result;
    } finally {
      this.running.delete(key);
    }
  }
}
