import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QUEUE_OPTIONS, type QueueModuleOptions, REDIS } from '@backtrac/queue';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions } from './copy-worker.tokens.js';

// Compare-and-delete / compare-and-extend, so a worker only ever touches its own lock.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface HeldLock {
  /** Aborted when the lock is lost (it expired before it could be renewed): the holder must stop. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/** One backup per client at a time, across every copy worker: a Redis lock renewed while held. */
@Injectable()
export class ClientLockRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueModuleOptions,
    @Inject(COPY_WORKER_OPTIONS) private readonly workerOptions: CopyWorkerOptions,
  ) {}

  async tryAcquire(clientId: string): Promise<HeldLock | null> {
    const key = `${this.options.prefix}:lock:client:${clientId}`;
    const ttlMs = this.workerOptions.lockSeconds * 1000;
    const token = randomUUID();
    if ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return null;
    const lost = new AbortController();
    const timer = setInterval(() => {
      this.redis.eval(EXTEND, 1, key, token, ttlMs).then(
        (extended) => {
          if (extended !== 1) lost.abort(new Error(`lost the lock of client ${clientId}`));
        },
        // Redis unreachable for a moment: the next renewal tries again before the lock expires.
        () => undefined,
      );
    }, ttlMs / 3);
    timer.unref();
    return {
      lost: lost.signal,
      release: async () => {
        clearInterval(timer);
        await this.redis.eval(RELEASE, 1, key, token);
      },
    };
  }
}
