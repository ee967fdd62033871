import { Inject, Injectable } from '@nestjs/common';
import { AgentAdminRepository, type BackupAgent, isAgentOnline, type NewLogLine, type Share } from '@backtrac/catalog';
import { type CommandResult, journalDecision, XmlRpcFaultResponse } from '@backtrac/xmlrpc';
import { AgentCallbackRepository } from './agent-callback.repository.js';
import { AGENT_HOOK_OPTIONS, type AgentHookOptions } from './agent-hooks.tokens.js';
import { DirtyDirectories } from './dirty-directories.js';
import { hookOutputForLog } from './hook-output.js';

/** A share's pre-backup hook failed, or could not run because the agent was unreachable or refused it. */
export class PreCommandFailedError extends Error {
  override name = 'PreCommandFailedError';
}

/** The agent could not run a share's pre-backup hook because it is offline or did not answer. */
export class AgentUnavailableError extends PreCommandFailedError {
  override name = 'AgentUnavailableError';
}

export interface HookLog {
  add(line: NewLogLine): void;
}

type HookShare = Pick<Share, 'id' | 'name' | 'preHook' | 'postHook'> & Partial<Pick<Share, 'updatedAt'>>;

/** The agent side of one backup run: who was prepared, and what its journal looked like then. */
export interface AgentSession {
  agent: BackupAgent | null;
  /** Shares whose prepare() the agent answered; release() goes to these. */
  prepared: string[];
  /** The hooks those shares name, as they were when prepare() ran. */
  hooks: Map<string, HookShare>;
  /** The journal as prepare() left it (the least trustworthy answer of all shares). */
  journal: CommandResult['journal'] | undefined;
  /** Why the agent was not used (offline, unreachable), for the journal decision. */
  unavailable: string | null;
}

export interface PreviousSnapshot {
  seq: number;
  startedAt: Date;
  outcome: 'complete' | 'partial';
}

export type JournalPlan = { mode: 'journal'; dirty: DirtyDirectories; paths: number; reason: string } | { mode: 'walk'; reason: string };

/** Clock differences between the gateway's database and this worker are absorbed by reading a bit more. */
const SINCE_MARGIN_MS = 60_000;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Pre/post-backup hooks and the change journal of a client's agent. Without an agent nothing
 * changes: the share is read over SMB and walked.
 */
@Injectable()
export class AgentHooksService {
  constructor(
    @Inject(AGENT_HOOK_OPTIONS) private readonly options: AgentHookOptions,
    private readonly agents: AgentAdminRepository,
    private readonly callbacks: AgentCallbackRepository,
  ) {}

  /** The client's agent for this run (null: none approved with a callback endpoint). */
  async begin(clientId: string): Promise<AgentSession> {
    return { agent: await this.agents.findForBackup(clientId), prepared: [], hooks: new Map(), journal: undefined, unavailable: null };
  }

  /**
   * Calls prepare(job) for every share. A failing pre hook fails the run with its output; an
   * agent that is offline or unreachable only gets a warning, unless a share has a pre hook
   * (a dump that did not run must not look like a good backup). Call release() afterwards in
   * any case: shares prepared before a failure are released too.
   */
  async prepare(session: AgentSession, jobId: string, shares: readonly HookShare[], log: HookLog, now = new Date()): Promise<void> {
    const agent = session.agent;
    if (!agent) return;
    if (!isAgentOnline(agent.lastHeartbeatAt, this.options.heartbeatSeconds, now)) {
      session.unavailable = 'the agent is offline';
      this.unavailable(shares, `agent ${agent.id} is offline (no heartbeat for ${this.options.heartbeatSeconds * 3} s)`, log);
      return;
    }
    for (const share of shares) {
      let result: CommandResult;
      try {
        result = await this.callbacks.prepare(agent, { jobId, share: share.name });
      } catch (error) {
        // The agent refused the name: nothing ran, so there is nothing to release either.
        if (error instanceof XmlRpcFaultResponse && error.code === 'HOOK_UNKNOWN') {
          throw new PreCommandFailedError(`pre-backup hook "${share.preHook}" of share ${share.name}: ${describe(error)}`);
        }
        session.unavailable = 'the agent did not answer prepare()';
        this.unavailable(shares, `agent ${agent.id} did not answer prepare(${share.name}): ${describe(error)}`, log);
        return;
      }
      session.prepared.push(share.name);
      session.hooks.set(share.name, share);
      session.journal = worstJournal(session.journal, result.journal);
      this.logResult('pre', share, result, log);
      if (!result.ok) throw new PreCommandFailedError(`pre-backup hook "${share.preHook}" of share ${share.name} failed${exitText(result)}: ${hookOutputForLog(result.output)}`);
    }
  }

  /** Calls release(job) for every prepared share; its failures are logged, never thrown. */
  async release(session: AgentSession, jobId: string, log: HookLog): Promise<void> {
    if (!session.agent) return;
    for (const name of session.prepared) {
      const share = session.hooks.get(name) ?? { id: '', name, preHook: '', postHook: '' };
      try {
        const result = await this.callbacks.release(session.agent, { jobId, share: name });
        this.logResult('post', share, result, log);
      } catch (error) {
        const refused = error instanceof XmlRpcFaultResponse && error.code === 'HOOK_UNKNOWN';
        log.add({ level: 'warn', message: refused ? `post-backup hook "${share.postHook}" of share ${name}: ${describe(error)}` : `agent did not answer release(${name}): ${describe(error)}` });
      }
    }
  }

  /** Journal or walk, and when journal, the directories that must be listed for real. */
  async plan(session: AgentSession, shares: readonly HookShare[], previous: PreviousSnapshot | null, full: boolean, now = new Date()): Promise<JournalPlan> {
    if (full) return { mode: 'walk', reason: 'full backup requested' };
    if (!session.agent) return { mode: 'walk', reason: 'no agent for this client' };
    if (session.unavailable) return { mode: 'walk', reason: session.unavailable };
    if (previous?.outcome === 'partial') return { mode: 'walk', reason: `the previous snapshot ${previous.seq} is partial` };
    // Excludes or the share's path may differ from what the previous snapshot was taken with.
    const edited = previous ? shares.find((s) => s.updatedAt && s.updatedAt.getTime() >= previous.startedAt.getTime()) : undefined;
    if (edited) return { mode: 'walk', reason: `share ${edited.name} was edited since the previous snapshot` };
    const decision = journalDecision(session.agent, previous?.startedAt ?? null, {
      heartbeatSeconds: this.options.heartbeatSeconds,
      now,
      ...(session.journal ? { fromPrepare: session.journal } : {}),
    });
    if (decision.mode === 'walk') return decision;
    const since = new Date(decision.since.getTime() - SINCE_MARGIN_MS);
    const dirty = new DirtyDirectories();
    let paths = 0;
    const walked: string[] = [];
    for (const share of shares) {
      // What the pre hook wrote (the dump) reaches the journal only after prepare() returned.
      if (share.preHook !== '') {
        dirty.add([share.name]);
        walked.push(share.name);
        continue;
      }
      for (const path of await this.agents.changedPaths(share.id, decision.epoch, since)) {
        dirty.addReported(share.name, path);
        paths++;
      }
    }
    const also = walked.length > 0 ? `; share ${walked.join(', ')} walked in full because its pre-backup hook may have changed it` : '';
    return { mode: 'journal', dirty, paths, reason: `the agent's journal is continuous since snapshot ${previous!.seq} started${also}` };
  }

  private unavailable(shares: readonly HookShare[], message: string, log: HookLog): void {
    const withPre = shares.filter((s) => s.preHook !== '');
    if (withPre.length > 0) {
      throw new AgentUnavailableError(`${message}; share ${withPre.map((s) => s.name).join(', ')} has a pre-backup hook that could not run, so no backup was taken`);
    }
    log.add({ level: 'warn', message: `${message}; backing up over SMB without hooks or journal` });
  }

  private logResult(kind: 'pre' | 'post', share: HookShare, result: CommandResult, log: HookLog): void {
    if (!result.ran) {
      log.add({ level: 'info', message: `${kind === 'pre' ? 'prepare' : 'release'}(${share.name}): no ${kind}-backup hook configured` });
      return;
    }
    const hook = kind === 'pre' ? share.preHook : share.postHook;
    const what = result.timedOut ? `timed out after ${result.durationMs} ms` : `exited ${result.exitCode ?? 'without a code'} after ${result.durationMs} ms`;
    const output = hookOutputForLog(result.output);
    log.add({
      level: result.ok ? 'info' : kind === 'pre' ? 'error' : 'warn',
      message: `${kind}-backup hook "${hook}" of share ${share.name} ${what}${output ? `; output:\n${output}` : ''}`,
    });
  }
}

function worstJournal(a: CommandResult['journal'], b: CommandResult['journal']): CommandResult['journal'] {
  if (!a || !b) return b ?? a;
  if (a.epoch !== b.epoch) return { epoch: b.epoch, complete: false, flushed: a.flushed && b.flushed };
  return { epoch: a.epoch, complete: a.complete && b.complete, flushed: a.flushed && b.flushed };
}

function exitText(result: CommandResult): string {
  if (result.timedOut) return ' (timed out)';
  return result.exitCode === null ? '' : ` (exit code ${result.exitCode})`;
}
