import type { Redis } from 'ioredis';
import type { AlertLedger } from './alert-dispatch.service.js';

/** When each alert condition was last announced, shared by every scheduler process. */
export class RedisAlertLedgerRepository implements AlertLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Entries outlive any sensible repeat interval, then expire so the keyspace stays small. */
    private readonly keepMs = 30 * 86_400_000,
  ) {}

  private key(dedupeKey: string): string {
    return `${this.prefix}:alerts:sent:${dedupeKey}`;
  }

  async lastSent(dedupeKey: string): Promise<Date | null> {
    const v = await this.redis.get(this.key(dedupeKey));
    return v ? new Date(Number(v)) : null;
  }

  async markSent(dedupeKey: string, at: Date): Promise<void> {
    await this.redis.set(this.key(dedupeKey), String(at.getTime()), 'PX', this.keepMs);
  }
}
