import { describe, expect, it } from 'vitest';
import { splitHostPort } from './agent-runner.js';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles the ceiling up to the cap, never goes below half the base, and resets', () => {
    const top = new Backoff(1000, 8000, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6].map(() => top.next())).toEqual([999, 1999, 3999, 7999, 7999, 7999]);
    const bottom = new Backoff(1000, 8000, () => 0);
    expect(bottom.next()).toBe(500);
    top.reset();
    expect(top.attempts).toBe(0);
    expect(top.next()).toBe(999);
  });
});

describe('splitHostPort', () => {
  it('parses host:port, [v6]:port and :port', () => {
    expect(splitHostPort('0.0.0.0:7611')).toEqual(['0.0.0.0', 7611]);
    expect(splitHostPort('[::1]:80')).toEqual(['::1', 80]);
    expect(splitHostPort(':0')).toEqual(['0.0.0.0', 0]);
    expect(() => splitHostPort('nope')).toThrow();
    expect(() => splitHostPort('h:99999')).toThrow();
  });
});
