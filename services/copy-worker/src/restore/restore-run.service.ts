import { Inject, Injectable, Logger } from '@nestjs/common';
import { type NewLogLine, type Restore, RestoreRepository, type Share, ShareRepository } from '@backtrac/catalog';
import type { SmbSession } from '@backtrac/smb';
import { entrySegments, type HardlinkStore, StoreError } from '@backtrac/store';
import { ClientLockRepository } from '../backup/client-lock.repository.js';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions, STORE } from '../backup/copy-worker.tokens.js';
import { LiveEventsRepository } from '../backup/live-events.repository.js';
import { StoreGuardRepository } from '../backup/store-guard.repository.js';
import { normalizeSelection, planEntry, type PlannedEntry, type RestoreDestination } from './restore-plan.js';
import { type RestoreTarget, RestoreTargetError, RestoreTargetRepository } from './restore-target.repository.js';
import { type RestoreCounters, RestoreWriter } from './restore-writer.js';

/** The destination client is busy (a backup or another restore holds its lock): wait and try again. */
export class RestoreBusyError extends Error {
  override name = 'RestoreBusyError';
}

/** This worker is stopping (or lost the client's lock); another worker resumes the restore. */
export class RestoreInterruptedError extends Error {
  override name = 'RestoreInterruptedError';
}

/** Retrying cannot help: wrong password, no such share, the snapshot is gone. */
export class RestoreFailedPermanentlyError extends Error {
  override name = 'RestoreFailedPermanentlyError';
}

export interface RestoreJobContext {
  jobId: string;
  restoreId: string;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  signal: AbortSignal;
}

const CANCEL_POLL_MS = 500;
const CONNECTIONS_PER_SHARE = 4;
const SAVE_COUNTERS_MS = 2_000;

/**
 * One restore: under the destination client's lock (never at the same time as a backup of it),
 * the snapshot's selected entries are planned, written by RestoreWriter, and recorded.
 */
@Injectable()
export class RestoreRunService {
  private readonly logger = new Logger(RestoreRunService.name);

  constructor(
    @Inject(STORE) private readonly store: HardlinkStore,
    @Inject(COPY_WORKER_OPTIONS) private readonly options: CopyWorkerOptions,
    private readonly restores: RestoreRepository,
    private readonly shares: ShareRepository,
    private readonly locks: ClientLockRepository,
    private readonly storeGuard: StoreGuardRepository,
    private readonly targets: RestoreTargetRepository,
    private readonly events: LiveEventsRepository,
  ) {}

  async run(context: RestoreJobContext): Promise<void> {
    const queued = await this.restores.findById(context.restoreId);
    // Deleted with its client, or finished by an earlier attempt: nothing to do.
    if (!queued || !['queued', 'running'].includes(queued.state)) return;
    const destinationClient = queued.targetClientId ?? queued.clientId;
    const lock = await this.locks.tryAcquire(destinationClient);
    if (!lock) throw new RestoreBusyError(`client ${destinationClient} is busy with a backup or another restore`);
    if (await this.storeGuard.gcRunning()) {
      await lock.release();
      throw new RestoreBusyError('garbage collection of the store is running');
    }
    const log = new RestoreLog(this.restores, this.events, queued.id);
    const cancel = new AbortController();
    const poll = setInterval(() => {
      this.restores.cancelRequested(queued.id).then(
        (requested) => requested && cancel.abort(new Error('cancelled')),
        () => undefined,
      );
    }, CANCEL_POLL_MS);
    const opened: RestoreTarget[] = [];
    let writer: RestoreWriter | undefined;
    try {
      const restore = await this.restores.markRunning(queued.id);
      if (!restore) {
        await this.endCancelled(queued, undefined, log);
        return;
      }
      this.events.publish({ type: 'restore.state', restoreId: restore.id, clientId: restore.clientId, state: 'running', error: null });
      const resume = restore.attempts > 1;
      log.add({ level: 'info', message: `restore of snapshot ${restore.seq} (${restore.paths.length === 0 ? 'everything' : restore.paths.join(', ')}), policy ${restore.policy}${restore.mirror ? ', mirror' : ''}${restore.verifyReadBack ? ', read-back verification' : ''} (attempt ${context.attempt} of ${context.maxAttempts}${resume ? '; files already in place are kept' : ''})` });

      if (!(await this.snapshotExists(restore))) throw new RestoreFailedPermanentlyError(`snapshot ${restore.seq} of client ${restore.clientId} is not in the store`);
      const destination = await this.openDestination(restore, opened, log, context);
      const sessions = new Map<string, SmbSession[]>(opened.map((t) => [t.share.id, t.sessions]));
      const planned = await this.plan(restore, destination, log);
      const signal = AbortSignal.any([context.signal, lock.lost, cancel.signal]);
      let lastSave = 0;
      writer = new RestoreWriter(this.store, {
        client: restore.clientId, seq: restore.seq, restoreId: restore.id, policy: restore.policy, verifyReadBack: restore.verifyReadBack, resume,
        renameStamp: restore.createdAt, filesInFlight: this.options.filesInFlight, signal, sessions,
        onLog: (event) => log.add({ level: event.level, message: event.message, path: event.path ?? null }),
        onProgress: (progress, counters) => {
          this.events.publish({ type: 'restore.progress', restoreId: restore.id, clientId: restore.clientId, ...progress });
          if (Date.now() - lastSave >= SAVE_COUNTERS_MS) {
            lastSave = Date.now();
            void this.restores.saveCounters(restore.id, counters).catch(() => undefined);
          }
        },
      });
      const totals = writer.totals(planned.entries);
      await this.restores.setTotals(restore.id, totals.files + planned.unplaceable, totals.bytes);
      writer.counters.failed += planned.unplaceable;
      const counters = await writer.run(planned.entries);
      const state = counters.failed > 0 ? 'partial' : 'succeeded';
      log.add({ level: state === 'partial' ? 'warn' : 'info', message: `restore ${state}: ${summary(counters)}` });
      // The log is complete before the state says the restore is over.
      await log.flush();
      await this.restores.finish(restore.id, state, { counters });
      this.events.publish({ type: 'restore.state', restoreId: restore.id, clientId: restore.clientId, state, error: null });
    } catch (error) {
      if (cancel.signal.aborted) {
        await this.endCancelled(queued, writer?.counters, log);
        return;
      }
      throw await this.recordFailure(error, queued, context, lock.lost, log, writer?.counters);
    } finally {
      clearInterval(poll);
      await Promise.all(opened.flatMap((t) => t.sessions.map((session) => session.close().catch(() => undefined))));
      await log.flush();
      await lock.release();
    }
  }

  private async snapshotExists(restore: Restore): Promise<boolean> {
    return (await this.store.listSnapshots(restore.clientId)).some((s) => s.seq === restore.seq && !s.partial);
  }

  private async openDestination(restore: Restore, opened: RestoreTarget[], log: RestoreLog, context: RestoreJobContext): Promise<RestoreDestination> {
    const open = async (share: Share): Promise<RestoreTarget> => {
      try {
        const target = await this.targets.open(share, CONNECTIONS_PER_SHARE);
        opened.push(target);
        log.add({ level: 'info', message: `destination share ${share.name} opened (${share.url})` });
        return target;
      } catch (error) {
        // A share that cannot be reached on the first attempt is reported at once; one that went
        // away during the restore (smbd restarting) is retried.
        if (error instanceof RestoreTargetError && (!error.retryable || context.attempt === 1)) throw new RestoreFailedPermanentlyError(error.message, { cause: error });
        throw error;
      }
    };
    if (restore.targetShareId) {
      const share = await this.shares.findById(restore.targetShareId);
      if (!share) throw new RestoreFailedPermanentlyError('the destination share was deleted');
      const target = await open(share);
      return { kind: 'folder', key: share.id, base: [...target.root, ...(restore.targetPath ? restore.targetPath.split('/') : [])] };
    }
    // A destination client without a share: its share was deleted after the request (SET NULL).
    if (restore.targetClientId !== null) throw new RestoreFailedPermanentlyError('the destination share was deleted');
    {
      const shares = new Map<string, { key: string; root: readonly string[] }>();
      const wanted = new Set(restore.paths.map((p) => p.split('/')[0]!));
      for (const share of await this.shares.listForClient(restore.clientId)) {
        if (wanted.size > 0 && !wanted.has(share.name)) continue;
        const target = await open(share);
        shares.set(share.name, { key: share.id, root: target.root });
      }
      return { kind: 'original', shares };
    }
  }

  private async plan(restore: Restore, destination: RestoreDestination, log: RestoreLog): Promise<{ entries: PlannedEntry[]; unplaceable: number }> {
    const selection = normalizeSelection(restore.paths);
    const entries: PlannedEntry[] = [];
    let unplaceable = 0;
    for await (const entry of this.store.readManifest(restore.clientId, restore.seq)) {
      const outcome = planEntry(entry, entrySegments(entry), selection, destination, restore.mirror);
      if (outcome === null) continue;
      if ('unplaceable' in outcome) {
        if (entry.type !== 'directory') unplaceable++;
        log.add({ level: 'error', message: `${entry.path}: not restored: ${outcome.unplaceable}`, path: entry.path });
        continue;
      }
      entries.push(outcome.planned);
    }
    return { entries, unplaceable };
  }

  private async endCancelled(restore: Restore, counters: RestoreCounters | undefined, log: RestoreLog): Promise<void> {
    log.add({ level: 'warn', message: `restore cancelled${counters ? `: ${summary(counters)} before it stopped` : ''}` });
    await log.flush();
    await this.restores.finish(restore.id, 'cancelled', { ...(counters ? { counters } : {}), error: null });
    this.events.publish({ type: 'restore.state', restoreId: restore.id, clientId: restore.clientId, state: 'cancelled', error: null });
  }

  /** Records how the attempt ended and returns what the queue should see. */
  private async recordFailure(
    error: unknown,
    restore: Restore,
    context: RestoreJobContext,
    lostLock: AbortSignal,
    log: RestoreLog,
    counters: RestoreCounters | undefined,
  ): Promise<Error> {
    const text = error instanceof Error ? error.message : String(error);
    const interrupted = context.signal.aborted || lostLock.aborted || (error instanceof StoreError && error.code === 'ABORTED');
    const permanent = error instanceof RestoreFailedPermanentlyError;
    const willRetry = interrupted || (!permanent && context.attempt < context.maxAttempts);
    log.add({
      level: interrupted ? 'warn' : 'error',
      message: interrupted ? 'interrupted: this worker is stopping; another worker will resume the restore' : willRetry ? `attempt ${context.attempt} failed: ${text}; retrying` : `restore failed: ${text}`,
    });
    await log.flush();
    if (counters) await this.restores.saveCounters(restore.id, counters);
    if (willRetry) await this.restores.requeue(restore.id, text);
    else await this.restores.finish(restore.id, 'failed', { error: text });
    this.events.publish({ type: 'restore.state', restoreId: restore.id, clientId: restore.clientId, state: willRetry ? 'queued' : 'failed', error: text });
    if (!interrupted) this.logger.warn(`restore ${context.jobId} failed: ${text}`);
    if (interrupted) return new RestoreInterruptedError(text);
    return error instanceof Error ? error : new Error(text);
  }
}

function summary(c: RestoreCounters): string {
  return `${c.restored} restored, ${c.renamed} renamed, ${c.skipped} skipped, ${c.failed} failed, ${c.removed} removed; ${c.bytes} bytes written`;
}

/** Collects a restore's log lines and writes them in batches (and live to the console). */
class RestoreLog {
  private pending: NewLogLine[] = [];
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly restores: RestoreRepository,
    private readonly events: LiveEventsRepository,
    private readonly restoreId: string,
  ) {}

  add(line: NewLogLine): void {
    const at = line.at ?? new Date();
    this.pending.push({ ...line, at });
    this.events.publish({ type: 'restore.log', restoreId: this.restoreId, level: line.level, message: line.message, path: line.path ?? null, at: at.toISOString() });
    if (this.pending.length >= 200) void this.flush();
  }

  flush(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    if (lines.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.restores.appendLog(this.restoreId, lines)).catch(() => undefined);
    return this.flushing;
  }
}
