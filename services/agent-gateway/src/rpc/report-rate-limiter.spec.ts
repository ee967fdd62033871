import { describe, expect, it } from 'vitest';
import { ReportRateLimiter } from './report-rate-limiter.js';

describe('ReportRateLimiter', () => {
  it('allows the limit per agent and minute, then says how long to wait; other agents are unaffected', () => {
    const limiter = new ReportRateLimiter(3);
    expect([0, 1, 2].map((t) => limiter.take('a', t))).toEqual([0, 0, 0]);
    expect(limiter.take('a', 10_000)).toBe(50);
    expect(limiter.take('b', 10_000)).toBe(0);
    expect(limiter.take('a', 60_000)).toBe(0);
  });
});
