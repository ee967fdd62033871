import { readFile } from 'node:fs/promises';
import { AgentGatewayClient, XmlRpcFaultResponse, type AgentConfig, type AgentJournalState, type AgentShareConfig } from '@backtrac/xmlrpc';
import type { AgentConfigFile } from './agent-config.js';
import { writePrivateJson } from './agent-config.js';
import { Backoff } from './backoff.js';
import { CallbackServer } from './callback-server.js';
import { ChangeJournal } from './change-journal.js';
import { ShareWatcher } from './share-watcher.js';

export const AGENT_VERSION = '0.1.0';

export type Log = (level: string, msg: string, extra?: Record<string, unknown>) => void;

export interface RunnerOptions {
  statePath: string;
  /** Where `file` was read from (named in messages about its hooks). */
  configPath: string;
  log: Log;
  /** Overrides the gateway's heartbeat interval (tests). */
  heartbeatMs?: number;
  /** How often changed paths are reported. Default 5 s. */
  reportMs?: number;
  backoff?: Backoff;
}

export interface AgentState {
  pid: number;
  startedAt: string;
  online: boolean;
  status: string;
  lastHeartbeatAt: string | null;
  lastError: string | null;
  configVersion: string;
  shares: string[];
  watched: string[];
  callbackAddress: string | null;
  journal: { cursor: string; pending: number; gaps: number };
}

/**
 * The `run` command: heartbeats (with backoff while the gateway is unreachable), keeps the
 * configuration fresh, serves the callback endpoint, watches shares and reports changes.
 */
export class AgentRunner {
  private readonly journal = new ChangeJournal();
  private readonly watcher: ShareWatcher;
  private gateway!: AgentGatewayClient;
  private callback: CallbackServer | undefined;
  private config: AgentConfig | undefined;
  private timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly backoff: Backoff;
  private readonly state: AgentState;

  constructor(
    private readonly file: AgentConfigFile,
    private readonly options: RunnerOptions,
  ) {
    this.watcher = new ShareWatcher(this.journal, options.log);
    this.backoff = options.backoff ?? new Backoff();
    this.state = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      online: false,
      status: 'unknown',
      lastHeartbeatAt: null,
      lastError: null,
      configVersion: '',
      shares: [],
      watched: [],
      callbackAddress: null,
      journal: this.journal.status(),
    };
  }

  async start(): Promise<void> {
    const ca = this.file.caFile ? await readFile(this.file.caFile) : undefined;
    this.gateway = new AgentGatewayClient({ url: this.file.server, agentId: this.file.agentId, secret: this.file.secret, timeoutMs: 15_000, ca });
    if (this.file.callbackListen) {
      const [host, port] = splitHostPort(this.file.callbackListen);
      this.callback = new CallbackServer(host, port, this.file.callbackToken, {
        shares: () => this.effectiveShares(),
        hooks: () => this.file.hooks ?? {},
        configPath: this.options.configPath,
        commandTimeoutMs: () => (this.config?.commandTimeoutSeconds ?? 600) * 1000,
        log: this.options.log,
        journalBeforeBackup: () => this.journalBeforeBackup(),
      });
      const address = await this.callback.listen();
      this.state.callbackAddress = `${address.address}:${address.port}`;
      this.options.log('info', 'callback endpoint listening', { address: this.state.callbackAddress });
    }
    this.schedule(() => this.heartbeatTick(), 0);
    this.schedule(() => this.reportTick(), this.reportMs());
  }

  private reportMs(): number {
    return this.options.reportMs ?? (this.file.reportSeconds ?? 5) * 1000;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.watcher.close();
    await this.callback?.close();
    this.state.online = false;
    await this.saveState();
  }

  /** Shares from the gateway with local path overrides from the config file applied. */
  effectiveShares(): AgentShareConfig[] {
    return (this.config?.shares ?? []).map((s) => ({ ...s, localPath: this.file.paths[s.name] ?? s.localPath }));
  }

  /** Complete only once the configuration is loaded and every share with a directory is watched. */
  journalState(): AgentJournalState {
    const watched = new Set(this.watcher.watched());
    const complete = this.config !== undefined && this.effectiveShares().every((s) => s.localPath !== '' && watched.has(s.name));
    return { epoch: this.journal.epoch(), complete };
  }

  private async journalBeforeBackup(): Promise<AgentJournalState & { flushed: boolean }> {
    if (!this.journalState().complete) return { ...this.journalState(), flushed: false };
    let flushed = true;
    try {
      await Promise.race([
        this.journal.flush(this.gateway),
        new Promise((_, reject) => setTimeout(() => reject(new Error('flush timed out')), 15_000).unref()),
      ]);
    } catch (error) {
      flushed = false;
      this.options.log('warn', 'could not deliver changes before the backup', { error: (error as Error).message });
    }
    return { ...this.journalState(), flushed };
  }

  snapshot(): AgentState {
    return { ...this.state, journal: this.journal.status(), watched: this.watcher.watched() };
  }

  private schedule(fn: () => Promise<void>, delayMs: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void fn();
    }, delayMs);
    this.timers.add(t);
  }

  private async heartbeatTick(): Promise<void> {
    let delay: number;
    try {
      const beat = await this.gateway.heartbeat({
        version: AGENT_VERSION,
        journal: this.journalState(),
        ...(this.file.callbackUrl ? { callbackUrl: this.file.callbackUrl } : {}),
      });
      if (!this.state.online) this.options.log('info', 'connected to gateway', { server: this.file.server, status: beat.status, after: this.backoff.attempts });
      this.state.online = true;
      this.state.status = beat.status;
      this.state.lastHeartbeatAt = new Date().toISOString();
      this.state.lastError = null;
      this.backoff.reset();
      if (beat.status === 'approved' && beat.configVersion !== this.state.configVersion) await this.refreshConfig();
      else if (this.config !== undefined && !this.journalState().complete) await this.applyWatches(); // retry failed watches
      delay = this.options.heartbeatMs ?? (this.config?.heartbeatSeconds ?? 30) * 1000;
    } catch (error) {
      const message = (error as Error).message;
      if (this.state.online || this.backoff.attempts === 0) this.options.log('warn', 'gateway unreachable; retrying with backoff', { error: message });
      this.state.online = false;
      this.state.lastError = message;
      if (error instanceof XmlRpcFaultResponse && error.code === 'AGENT_REVOKED') this.options.log('error', 'this agent was revoked; enrol again');
      delay = this.backoff.next();
    }
    await this.saveState();
    this.schedule(() => this.heartbeatTick(), delay);
  }

  private async refreshConfig(): Promise<void> {
    this.config = await this.gateway.getConfig();
    this.state.configVersion = this.config.configVersion;
    this.state.shares = this.config.shares.map((s) => s.name);
    await this.applyWatches();
    this.options.log('info', 'configuration loaded', { configVersion: this.config.configVersion, shares: this.state.shares });
  }

  private async applyWatches(): Promise<void> {
    // Changes made before a watch started were not seen: the journal restarts from here.
    if ((await this.watcher.apply(this.effectiveShares())) > 0) this.journal.restart();
  }

  private async reportTick(): Promise<void> {
    if (this.config !== undefined && !this.journalState().complete) {
      // A journal missing a share is worthless (the gateway has been told); do not pile it up.
      this.journal.restart();
    } else if (this.state.online) {
      try {
        await this.journal.flush(this.gateway);
      } catch (error) {
        // Kept for the next round; the heartbeat loop notices the outage and backs off.
        this.state.lastError = (error as Error).message;
      }
    }
    this.schedule(() => this.reportTick(), this.reportMs());
  }

  private async saveState(): Promise<void> {
    try {
      await writePrivateJson(this.options.statePath, this.snapshot());
    } catch (error) {
      this.options.log('warn', 'cannot write state file', { error: (error as Error).message });
    }
  }
}

export function splitHostPort(value: string): [string, number] {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`"${value}" is not host:port`);
  return [value.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port];
}
