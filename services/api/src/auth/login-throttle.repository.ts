import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { QUEUE_OPTIONS, type QueueModuleOptions, REDIS } from '@backtrac/queue';

/** A limit on failed sign-ins: free failures, then a wait doubling per failure up to a cap. */
interface Rule {
  kind: 'pair' | 'address' | 'account';
  free: number;
  maxWaitSeconds: number;
}

/**
 * Per (account, address) a handful of tries; per address, across accounts, a few more; per
 * account, from anywhere, the most, with a short cap, so a distributed guesser gets about one try
 * per half minute while the owner elsewhere is never kept out for long.
 */
const RULES: readonly Rule[] = [
  { kind: 'pair', free: 5, maxWaitSeconds: 15 * 60 },
  { kind: 'address', free: 20, maxWaitSeconds: 15 * 60 },
  { kind: 'account', free: 20, maxWaitSeconds: 30 },
];
const COUNT_TTL_SECONDS = 60 * 60;

export interface LoginBlock {
  kind: Rule['kind'];
  retryAfterSeconds: number;
}

/** Failed sign-in counters and waits in Redis, so every api replica enforces the same limits. */
@Injectable()
export class LoginThrottleRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueModuleOptions,
  ) {}

  /** The longest wait that applies to this sign-in attempt, or null. */
  async blocked(email: string, address: string): Promise<LoginBlock | null> {
    const keys = this.keys(email, address);
    const ttls = await Promise.all(RULES.map((rule) => this.redis.pttl(`${keys[rule.kind]}:wait`)));
    let worst: LoginBlock | null = null;
    RULES.forEach((rule, i) => {
      const ms = ttls[i]!;
      if (ms > 0 && (!worst || ms / 1000 > worst.retryAfterSeconds)) worst = { kind: rule.kind, retryAfterSeconds: Math.ceil(ms / 1000) };
    });
    return worst;
  }

  async recordFailure(email: string, address: string): Promise<void> {
    const keys = this.keys(email, address);
    for (const rule of RULES) {
      const key = keys[rule.kind];
      const [[, count]] = (await this.redis.multi().incr(key).expire(key, COUNT_TTL_SECONDS).exec()) as [[Error | null, number], unknown];
      const over = count - rule.free;
      if (over > 0) await this.redis.set(`${key}:wait`, '1', 'PX', Math.min(2 ** (over - 1), rule.maxWaitSeconds) * 1000);
    }
  }

  /** A successful sign-in forgets the failures of its account from that address. */
  async recordSuccess(email: string, address: string): Promise<void> {
    const { pair } = this.keys(email, address);
    await this.redis.del(pair, `${pair}:wait`);
  }

  private keys(email: string, address: string): Record<Rule['kind'], string> {
    const account = createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
    const base = `${this.options.prefix}:login`;
    return { pair: `${base}:pair:${account}:${address}`, address: `${base}:addr:${address}`, account: `${base}:acct:${account}` };
  }
}
