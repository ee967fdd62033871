import type { Redis } from 'ioredis';
import type { RetryRecord, SchedulerState } from './scheduler.ports.js';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Tick lease and retry records, under the same prefix as the queues. */
export class SchedulerStateRepository implements SchedulerState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(...parts: string[]): string {
    return [this.prefix, 'scheduler', ...parts].join(':');
  }

  async tryLock(holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key('tick-lock'), holder, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async unlock(holder: string): Promise<void> {
    // Only the holder releases: a tick slower than its lease must not free someone else's.
    await this.redis.eval(RELEASE, 1, this.key('tick-lock'), holder);
  }

  async getRetry(jobId: string): Promise<RetryRecord | null> {
    const raw = await this.redis.get(this.key('retry', jobId));
    return raw ? (JSON.parse(raw) as RetryRecord) : null;
  }

  async setRetry(jobId: string, record: RetryRecord, ttlMs: number): Promise<void> {
    await this.redis.set(this.key('retry', jobId), JSON.stringify(record), 'PX', ttlMs);
  }
}
