import { Injectable } from '@nestjs/common';
import { ShareRepository, type Agent } from '@backtrac/catalog';
import { journalEpoch, type ReportChangesResult } from '@backtrac/xmlrpc';
import { AgentRepository } from './agent.repository.js';
import { ChangeJournalRepository } from './change-journal.repository.js';
import { AgentPendingError, BadRequestError, NotFoundError } from './agent-rpc.errors.js';

export const MAX_PATHS_PER_REPORT = 10_000;
const MAX_PATH_LENGTH = 4096;

/** `<epoch>:<seq>` where the agent's epoch is `<start ms>-<random>`. */
const CURSOR = /^(\d{13})-([A-Za-z0-9]{6,40}):(\d{1,15})$/;

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
  constructor(
    private readonly agents: AgentRepository,
    private readonly shares: ShareRepository,
    private readonly journal: ChangeJournalRepository,
  ) {}

  async reportChanges(agent: Agent, shareName: string, cursor: string, paths: readonly unknown[], now = Date.now()): Promise<ReportChangesResult> {
    if (agent.status !== 'approved' || !agent.clientId) throw new AgentPendingError();
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
