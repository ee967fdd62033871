import { Injectable } from '@nestjs/common';
import { ShareRepository, type Agent, AgentRepository } from '@backtrac/catalog';
import { journalEpoch, type ReportChangesResult } from '@backtrac/xmlrpc';
import { ChangeJournalRepository } from './change-journal.repository.js';
import { AgentPendingError, BadRequestError, NotFoundError, RateLimitedError } from './agent-rpc.errors.js';
import { REPORTS_PER_MINUTE, ReportRateLimiter } from './report-rate-limiter.js';

export const MAX_PATHS_PER_REPORT = 10_000;
const MAX_PATH_LENGTH = 4096;

/** `<epoch>:<seq>` where the agent's epoch is `<start ms>-<random>`. */
const CURSOR = /^(\d{13})-([A-Za-z0-9]{6,40}):(\d{1,15})$/;
const AGENT_EPOCH = /^(\d{13})-[A-Za-z0-9]{6,40}$/;

export interface ParsedCursor {
  agentEpoch: string;
  startedAtMs: number;
  seq: number;
}

export function parseCursor(cursor: string): ParsedCursor {
  const m = CURSOR.exec(cursor);
  if (!m) throw new BadRequestError('cursor must look like <start ms>-<random>:<seq>');
  return { agentEpoch: `${m[1]}-${m[2]}`, startedAtMs: Number(m[1]), seq: Number(m[3]) };
}

/** Accepts changed paths from agents and keeps the journal's continuity honest. */
@Injectable()
export class ChangeJournalService {
  private readonly reportLimiter = new ReportRateLimiter();

  constructor(
    private readonly agents: AgentRepository,
    private readonly shares: ShareRepository,
    private readonly journal: ChangeJournalRepository,
  ) {}

  /**
   * Keeps agents.journal_epoch honest between reports, from the journal state an agent sends with
   * each heartbeat: an incomplete journal (a share not watched) clears it, so every share is walked;
   * a new agent epoch (agent restarted, watches restarted) replaces it at once, before any report
   * arrives, so a backup in between cannot trust the old one.
   */
  async observe(agent: Agent, state: unknown, now = Date.now()): Promise<void> {
    if (state === undefined) return;
    const s = state as { epoch?: unknown; complete?: unknown } | null;
    const m = typeof s?.epoch === 'string' ? AGENT_EPOCH.exec(s.epoch) : null;
    if (!m || typeof s?.complete !== 'boolean') throw new BadRequestError('journal must be {epoch: "<start ms>-<random>", complete: boolean}');
    const agentEpoch = s.epoch as string;
    if (!s.complete) {
      if (agent.journalEpoch !== null) {
        await this.agents.setJournalEpoch(agent.id, null);
        agent.journalEpoch = null;
      }
      return;
    }
    if (agent.journalEpoch?.endsWith(`.${agentEpoch}`)) return;
    const epoch = journalEpoch(Math.min(Number(m[1]), now), agentEpoch);
    await this.agents.setJournalEpoch(agent.id, epoch);
    agent.journalEpoch = epoch;
  }

  async reportChanges(agent: Agent, shareName: string, cursor: string, paths: readonly unknown[], now = Date.now()): Promise<ReportChangesResult> {
    if (agent.status !== 'approved' || !agent.clientId) throw new AgentPendingError();
    const wait = this.reportLimiter.take(agent.id, now);
    if (wait > 0) throw new RateLimitedError(wait, `more than ${REPORTS_PER_MINUTE} reportChanges calls in a minute`);
    const parsed = parseCursor(cursor);
    if (paths.length > MAX_PATHS_PER_REPORT) throw new BadRequestError(`at most ${MAX_PATHS_PER_REPORT} paths per report; send the rest in another report`);
    for (const p of paths) {
      if (typeof p !== 'string' || p.length === 0 || p.length > MAX_PATH_LENGTH || p.includes('\u0000')) {
        throw new BadRequestError('paths must be non-empty strings without NUL, at most 4096 characters');
      }
    }
    const share = (await this.shares.listForClient(agent.clientId)).find((s) => s.name === shareName);
    if (!share) throw new NotFoundError(`no share "${shareName.slice(0, 100)}" on this client`);

    const next = `${parsed.agentEpoch}:${parsed.seq + 1}`;
    const last = await this.journal.lastForAgent(agent.id);
    // A retried report whose answer was lost: already stored, answer the same again.
    if (last && last.cursor === next && agent.journalEpoch === last.epoch) {
      return { cursor: next, accepted: paths.length, continuous: true };
    }
    if (paths.length === 0) return { cursor, accepted: 0, continuous: last?.cursor === cursor };

    const continues = last !== null && last.cursor === cursor && agent.journalEpoch === last.epoch;
    let epoch = agent.journalEpoch ?? '';
    if (!continues) {
      // seq 0 is the first report of a watcher that has run since the agent epoch started: the
      // journal covers everything since then. Any other mismatch is a gap starting now.
      const since = parsed.seq === 0 && parsed.startedAtMs <= now ? parsed.startedAtMs : now;
      epoch = journalEpoch(since, parsed.agentEpoch);
      await this.agents.setJournalEpoch(agent.id, epoch);
      agent.journalEpoch = epoch; // keep the auth cache's copy of the row current
    }
    await this.journal.append(agent.id, share.id, epoch, next, paths as string[]);
    return { cursor: next, accepted: paths.length, continuous: continues };
  }
}
