import { Worker } from 'node:worker_threads';

export type LinkOutcome = 'linked' | 'absent' | 'other';

/** Links sent to the worker in one message; the walk yields to the event loop at least this often. */
const BATCH_MAX = 256;

// The worker is a few lines of plain script (eval), so it runs the same from sources, from dist
// and under test runners, with no separate file to locate next to the compiled module.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { linkSync } = require('node:fs');
parentPort.on('message', ({ id, joined }) => {
  const pairs = joined.split('\\0');
  const outcomes = new Uint8Array(pairs.length / 2);
  for (let i = 0; i < outcomes.length; i++) {
    try {
      linkSync(pairs[2 * i], pairs[2 * i + 1]);
    } catch (err) {
      outcomes[i] = err && err.code === 'ENOENT' ? 1 : 2;
    }
  }
  parentPort.postMessage({ id, outcomes }, [outcomes.buffer]);
});
`;
const OUTCOMES: readonly LinkOutcome[] = ['linked', 'absent', 'other'];

interface Pending {
  resolve: (outcome: LinkOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * link(2) calls made on a worker thread, many per message. An incremental backup makes one hard
 * link per unchanged file; in the kernel that costs about as much as everything else the walk
 * does for the file, so doing the links beside the walk instead of inside it shortens the run.
 * A link that fails is reported as 'absent' (ENOENT) or 'other', never retried here.
 */
export class LinkBatcher {
  private worker: Worker | undefined;
  private batch: string[] = [];
  private batchWaiters: Pending[] = [];
  private flushScheduled = false;
  private nextId = 0;
  private readonly inFlight = new Map<number, Pending[]>();

  link(src: string, dest: string): Promise<LinkOutcome> {
    return new Promise<LinkOutcome>((resolve, reject) => {
      this.batch.push(src, dest);
      this.batchWaiters.push({ resolve, reject });
      if (this.batchWaiters.length >= BATCH_MAX) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Ends the worker; links still pending are rejected. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.failAll(new Error('link batcher closed'));
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.batchWaiters.length === 0) return;
    const id = this.nextId++;
    this.inFlight.set(id, this.batchWaiters);
    const pairs = this.batch;
    this.batch = [];
    this.batchWaiters = [];
    const worker = this.ensureWorker();
    worker.ref();
    // One string, not an array of them: structured cloning pays per object. Paths never hold NUL.
    worker.postMessage({ id, joined: pairs.join('\0') });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'backtrac-links' });
    worker.on('message', ({ id, outcomes }: { id: number; outcomes: Uint8Array }) => {
      const waiters = this.inFlight.get(id);
      this.inFlight.delete(id);
      // Idle, the worker must not keep the process alive.
      if (this.inFlight.size === 0) worker.unref();
      waiters?.forEach((w, i) => w.resolve(OUTCOMES[outcomes[i] as number] as LinkOutcome));
    });
    const onDeath = (err: Error): void => {
      if (this.worker !== worker) return;
      // The links of this worker fail (their callers fall back); the next link starts a new one.
      this.worker = undefined;
      this.failAll(err);
    };
    worker.on('error', onDeath);
    worker.on('exit', (code) => onDeath(new Error(`link worker exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const waiters of this.inFlight.values()) for (const w of waiters) w.reject(err);
    this.inFlight.clear();
    for (const w of this.batchWaiters) w.reject(err);
    this.batch = [];
    this.batchWaiters = [];
  }
}
