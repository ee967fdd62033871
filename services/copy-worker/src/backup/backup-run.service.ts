import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientRepository, type RunCounters, BackupRunRepository, type Share, ShareRepository, SnapshotCatalogRepository, type NewLogLine } from '@backtrac/catalog';
import type { BackupJobPayload } from '@backtrac/queue';
import type { HardlinkStore } from '@backtrac/store';
import { BackupEngine, BackupFailedError, type BackupCounters, type BackupProgress, type BackupSource } from '../engine/index.js';
import { AgentHooksService, type PreviousSnapshot, PreCommandFailedError } from '../agent/agent-hooks.service.js';
import { JournalSource, PreviousListings } from '../agent/journal.source.js';
import { ClientLockRepository } from './client-lock.repository.js';
import { CatalogSyncService } from './catalog-sync.service.js';
import { LiveEventsRepository } from './live-events.repository.js';
import { ShareConnectError, ShareConnectorRepository } from './share-connector.repository.js';
import { ShareSetSource, type ShareMount } from './share-set.source.js';
import { StoreGuardRepository } from './store-guard.repository.js';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions, STORE } from './copy-worker.tokens.js';

/** Another worker holds the client's lock: the job waits and is tried again shortly. */
export class ClientBusyError extends Error {
  override name = 'ClientBusyError';
}

/** The run stopped because this worker is shutting down; another worker takes the job over. */
export class RunInterruptedError extends Error {
  override name = 'RunInterruptedError';
}

/** The run failed for a reason retrying cannot fix (wrong password, client deleted). */
export class RunFailedPermanentlyError extends Error {
  override name = 'RunFailedPermanentlyError';
}

export interface BackupJobContext {
  jobId: string;
  payload: BackupJobPayload;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  signal: AbortSignal;
  reportProgress(progress: BackupProgress): void;
}

const toRunCounters = (c: BackupCounters): RunCounters => ({
  filesNew: c.filesNew,
  filesChanged: c.filesChanged,
  filesUnchanged: c.filesUnchanged,
  filesSkipped: c.filesSkipped,
  filesDeleted: c.filesDeleted,
  bytesRead: c.bytesRead,
  bytesStoredNew: c.bytesStoredNew,
  bytesTotal: c.bytesTotal,
});

/**
 * One backup of one client: every share into one new snapshot, then the catalog. Holds the
 * client's lock throughout, so no client is ever backed up twice at once.
 */
@Injectable()
export class BackupRunService {
  private readonly logger = new Logger(BackupRunService.name);

  constructor(
    @Inject(STORE) private readonly store: HardlinkStore,
    @Inject(COPY_WORKER_OPTIONS) private readonly options: CopyWorkerOptions,
    private readonly clients: ClientRepository,
    private readonly shares: ShareRepository,
    private readonly runs: BackupRunRepository,
    private readonly snapshots: SnapshotCatalogRepository,
    private readonly locks: ClientLockRepository,
    private readonly storeGuard: StoreGuardRepository,
    private readonly connector: ShareConnectorRepository,
    private readonly catalogSync: CatalogSyncService,
    private readonly events: LiveEventsRepository,
    private readonly hooks: AgentHooksService,
  ) {}

  async run(context: BackupJobContext): Promise<void> {
    const { payload, jobId } = context;
    const lock = await this.locks.tryAcquire(payload.clientId);
    if (!lock) throw new ClientBusyError(`client ${payload.clientId} is being backed up by another job`);
    if (await this.storeGuard.gcRunning()) {
      await lock.release();
      throw new ClientBusyError('garbage collection of the store is running');
    }
    const log = new RunLog(this.runs, this.events, payload.runId);
    try {
      const run = await this.runs.ensure({
        id: payload.runId, jobId, clientId: payload.clientId, trigger: payload.trigger, kind: payload.full ? 'full' : 'incremental',
      });
      log.runId = run.id;
      const client = await this.clients.findById(payload.clientId);
      if (!client) {
        await this.runs.finish(run.id, 'failed', { error: 'the client was deleted' });
        throw new RunFailedPermanentlyError('the client was deleted');
      }
      const { mine: resumed } = await this.catalogSync.reconcile(payload.clientId, jobId);
      if (resumed) {
        // An earlier attempt of this very job finished the snapshot; only the catalog was missing.
        await this.runs.finish(run.id, resumed.partial ? 'partial' : 'succeeded', { counters: resumed.counters });
        this.events.publish({ type: 'run.state', runId: run.id, clientId: client.id, state: resumed.partial ? 'partial' : 'succeeded', error: null });
        return;
      }
      const previous = await this.previousSnapshot(client.id);
      const seq = (previous?.seq ?? 0) + 1;
      // With nothing to compare against, every file is read: the first backup is a full one.
      const kind = payload.full || !previous ? 'full' : 'incremental';
      await this.runs.markRunning(run.id, seq, kind);
      this.events.publish({ type: 'run.state', runId: run.id, clientId: client.id, state: 'running', error: null });
      log.add({ level: 'info', message: `backup ${kind} of ${client.name} into snapshot ${seq} (attempt ${context.attempt} of ${context.maxAttempts})` });

      const shares = await this.shares.listForClient(client.id);
      if (shares.length === 0) throw new RunFailedPermanentlyError('the client has no shares to back up');
      const session = await this.hooks.begin(client.id);
      try {
        await this.hooks.prepare(session, jobId, shares, log);
        const source = await this.openShares(shares, log);
        try {
          const plan = await this.hooks.plan(session, shares, previous, payload.full);
          let input: BackupSource = source;
          let journal: JournalSource | undefined;
          if (plan.mode === 'journal' && previous) {
            journal = new JournalSource(source, await PreviousListings.load(this.store.readManifest(client.id, previous.seq), plan.dirty), plan.dirty);
            input = journal;
            log.add({ level: 'info', message: `mode: journal (${plan.reason}; ${plan.paths} changed paths reported)` });
          } else {
            log.add({ level: 'info', message: `mode: full walk (${plan.reason})` });
          }
          await this.runs.setMode(run.id, journal ? 'journal' : 'walk');
          const engine = new BackupEngine(this.store);
          const result = await engine.run(input, {
            ...(previous ? { previousSeq: previous.seq } : {}),
            client: client.id,
            jobId,
            seq,
            full: payload.full,
            filesInFlight: this.options.filesInFlight,
            // Stop when this worker shuts down, or when another worker could take the client over.
            signal: AbortSignal.any([context.signal, lock.lost]),
            onProgress: (progress) => {
              context.reportProgress(progress);
              this.events.publish({
                type: 'run.progress', runId: run.id, clientId: client.id, filesDone: progress.filesDone, filesTotal: progress.filesTotal ?? null,
                bytesDone: progress.bytesDone, bytesTotal: progress.bytesTotal ?? null, currentPath: progress.currentPath ?? null,
                bytesPerSecond: progress.bytesPerSecond, etaSeconds: progress.etaSeconds ?? null,
              });
            },
            onLog: (event) => log.add({ level: event.level, message: event.reason ? `${event.message} (${event.reason})` : event.message, path: event.path ?? null, at: event.at }),
          });
          const state = result.outcome === 'partial' ? 'partial' : 'succeeded';
          await this.catalogSync.recordSnapshot(client.id, seq, run.id, kind, result.outcome === 'partial', async () => {
            await this.runs.finish(run.id, state, { counters: toRunCounters(result.counters) });
          });
          const c = result.counters;
          log.add({
            level: 'info',
            message: `snapshot ${seq} ${state}: ${c.filesNew} new, ${c.filesChanged} changed, ${c.filesUnchanged} unchanged, ${c.filesDeleted} deleted, ${c.filesSkipped} skipped; ${c.bytesRead} bytes read, ${c.bytesStoredNew} bytes stored new`,
          });
          if (journal) {
            log.add({ level: 'info', message: `journal mode listed ${journal.stats.listedLive} directories over the network, took ${journal.stats.listedFromSnapshot} from snapshot ${previous!.seq} and carried ${c.sharedFoldersTakenOver} unchanged shared folders over whole` });
          }
          this.events.publish({ type: 'run.state', runId: run.id, clientId: client.id, state, error: null });
        } finally {
          await source.close();
        }
      } finally {
        await this.hooks.release(session, jobId, log);
      }
    } catch (error) {
      await this.recordFailure(error, context, log);
      throw error instanceof BackupFailedError ? this.classify(error) : error;
    } finally {
      await log.flush();
      await lock.release();
    }
  }

  /** The snapshot this run compares with (the engine's default: the latest finished one). */
  private async previousSnapshot(clientId: string): Promise<PreviousSnapshot | null> {
    const seq = await this.store.latestSnapshot(clientId);
    if (seq === undefined) return null;
    const meta = await this.store.readSnapshotMeta(clientId, seq);
    return { seq, startedAt: new Date(meta.startedAt), outcome: meta.outcome };
  }

  private async openShares(shares: readonly Share[], log: RunLog): Promise<ShareSetSource> {
    const mounts: ShareMount[] = [];
    try {
      for (const share of shares) {
        mounts.push(await this.connector.open(share));
        log.add({ level: 'info', message: `share ${share.name} opened (${share.url})` });
      }
    } catch (error) {
      await Promise.all(mounts.map((mount) => mount.source.close?.()));
      throw error;
    }
    return new ShareSetSource(mounts);
  }

  private classify(error: BackupFailedError): Error {
    if (error.code === 'ABORTED') return new RunInterruptedError(error.message);
    if (error.code === 'AUTH_FAILED') return new RunFailedPermanentlyError(error.message);
    return error;
  }

  private async recordFailure(error: unknown, context: BackupJobContext, log: RunLog): Promise<void> {
    if (!log.runId || error instanceof ClientBusyError) return;
    const message = error instanceof Error ? error.message : String(error);
    const interrupted = error instanceof BackupFailedError && error.code === 'ABORTED';
    const permanent =
      error instanceof RunFailedPermanentlyError ||
      error instanceof PreCommandFailedError ||
      (error instanceof BackupFailedError && error.code === 'AUTH_FAILED') ||
      (error instanceof ShareConnectError && !error.retryable);
    const willRetry = interrupted || (!permanent && context.attempt < context.maxAttempts);
    log.add({
      level: interrupted ? 'warn' : 'error',
      message: interrupted ? 'interrupted: this worker is stopping; another worker will resume the backup' : willRetry ? `attempt ${context.attempt} failed: ${message}; retrying` : `backup failed: ${message}`,
    });
    await this.runs.finish(log.runId, willRetry ? 'queued' : 'failed', { error: message });
    this.events.publish({ type: 'run.state', runId: log.runId, clientId: context.payload.clientId, state: willRetry ? 'queued' : 'failed', error: message });
    if (!interrupted) this.logger.warn(`backup ${context.jobId} failed: ${message}`);
  }
}

/** Collects a run's log lines and writes them in batches (and live to the console). */
class RunLog {
  private pending: NewLogLine[] = [];
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly recorder: BackupRunRepository,
    private readonly events: LiveEventsRepository,
    public runId: string | undefined,
  ) {}

  add(line: NewLogLine): void {
    const at = line.at ?? new Date();
    this.pending.push({ ...line, at });
    if (this.runId) this.events.publish({ type: 'run.log', runId: this.runId, level: line.level, message: line.message, path: line.path ?? null, at: at.toISOString() });
    if (this.pending.length >= 200) void this.flush();
  }

  flush(): Promise<void> {
    const lines = this.pending;
    const runId = this.runId;
    this.pending = [];
    if (!runId || lines.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.recorder.appendLog(runId, lines));
    return this.flushing;
  }
}
