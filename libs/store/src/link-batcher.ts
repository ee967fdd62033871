import { Worker } from 'node:worker_threads';

/** Links per message to the worker: large enough to amortise the message, small enough to pipeline. */
const BATCH = 128;
/** An idle worker is stopped after this long (a store object may live for the whole process). */
const IDLE_MS = 2000;

// The worker only runs link(2) in a loop and reports each call's error code ('' = linked).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { linkSync } = require('node:fs');
parentPort.on('message', ({ id, pairs }) => {
  const codes = new Array(pairs.length / 2);
  for (let i = 0; i < pairs.length; i += 2) {
    try {
      linkSync(pairs[i], pairs[i + 1]);
      codes[i / 2] = '';
    } catch (err) {
      codes[i / 2] = (err && err.code) || 'EIO';
    }
  }
  parentPort.postMessage({ id, codes });
});
`;

interface Batch {
  pairs: string[];
  waiters: ((code: string) => void)[];
}

/**
 * Runs many link(2) calls on a worker thread, in batches, so the calling thread goes on walking
 * and listing meanwhile (an unchanged file of an incremental costs one link; on a 2-core machine
 * doing them next to the walk instead of inside it nearly halves the walk's own time). Each call
 * resolves with '' when linked or the errno code; the caller handles failures itself.
 */
export class LinkBatcher {
  private worker: Worker | undefined;
  private current: Batch = { pairs: [], waiters: [] };
  private readonly inFlight = new Map<number, Batch>();
  private nextId = 0;
  private flushScheduled = false;
  private failure: Error | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  link(existing: string, newPath: string): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const p = new Promise<string>((resolve) => this.current.waiters.push(resolve));
    this.current.pairs.push(existing, newPath);
    if (this.current.waiters.length >= BATCH) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    return p;
  }

  /** Stops the worker (pending calls resolve with EIO). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (w) await w.terminate();
    this.failAll(new Error('link worker closed'));
  }

  private flush(): void {
    const batch = this.current;
    if (batch.waiters.length === 0) return;
    this.current = { pairs: [], waiters: [] };
    const id = this.nextId++;
    this.inFlight.set(id, batch);
    const w = this.ensureWorker();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    w.ref();
    w.postMessage({ id, pairs: batch.pairs });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', ({ id, codes }: { id: number; codes: string[] }) => {
      const batch = this.inFlight.get(id);
      this.inFlight.delete(id);
      if (this.inFlight.size === 0) {
        w.unref();
        this.idleTimer = setTimeout(() => {
          if (this.worker !== w || this.inFlight.size > 0) return;
          this.worker = undefined;
          void w.terminate();
        }, IDLE_MS);
        this.idleTimer.unref();
      }
      batch?.waiters.forEach((resolve, i) => resolve(codes[i] ?? 'EIO'));
    });
    w.on('error', (err) => {
      this.failure = err;
      this.worker = undefined;
      this.failAll(err);
    });
    w.on('exit', () => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.failAll(new Error('link worker exited'));
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private failAll(_err: Error): void {
    // Unknown outcome: the caller falls back to its own (idempotent-checking) path.
    for (const batch of this.inFlight.values()) for (const resolve of batch.waiters) resolve('EIO');
    this.inFlight.clear();
  }
}
