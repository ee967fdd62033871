import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QUEUE_OPTIONS, type QueueModuleOptions, REDIS } from '@backtrac/queue';

const GC_TTL_MS = 6 * 3600_000;

/**
 * Garbage collection must not run while a backup may link a pool file it is about to delete.
 * gc raises a flag, then waits until no client lock is held; a backup takes its client lock,
 * then checks the flag. Either order of arrival leaves exactly one of them running.
 */
@Injectable()
export class StoreGuardRepository {
  private readonly flagKey: string;
  private readonly lockPattern: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(QUEUE_OPTIONS) options: QueueModuleOptions,
  ) {
    this.flagKey = `${options.prefix}:store:gc`;
    this.lockPattern = `${options.prefix}:lock:client:*`;
  }

  async gcRunning(): Promise<boolean> {
    return (await this.redis.exists(this.flagKey)) === 1;
  }

  /** Raises the gc flag and resolves once no backup holds a client lock; call the result to lower it. */
  async exclusiveForGc(signal?: AbortSignal): Promise<() => Promise<void>> {
    const token = randomUUID();
    while ((await this.redis.set(this.flagKey, token, 'PX', GC_TTL_MS, 'NX')) !== 'OK') await this.sleep(1000, signal);
    const release = async () => {
      if ((await this.redis.get(this.flagKey)) === token) await this.redis.del(this.flagKey);
    };
    try {
      while (await this.anyClientLocked()) await this.sleep(1000, signal);
    } catch (error) {
      await release();
      throw error;
    }
    return release;
  }

  private async anyClientLocked(): Promise<boolean> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.lockPattern, 'COUNT', 1000);
      if (keys.length > 0) return true;
      cursor = next;
    } while (cursor !== '0');
    return false;
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('aborted'));
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('aborted'))), { once: true });
    });
  }
}
