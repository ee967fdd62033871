import { describe, expect, it } from 'vitest';
import { admit, type Candidate, nextRetryAt, queuePriority } from './admission.js';

const at = (s: string) => new Date(s);
const c = (clientId: string, siteId: string | null, lastGood: string | null): Candidate => ({ clientId, siteId, lastGoodAt: lastGood ? at(lastGood) : null });
const none = { total: 0, bySite: {}, clients: new Set<string>() };

describe('admission', () => {
  const candidates = [
    c('recent', 'paris', '2026-01-10T00:00:00Z'),
    c('never', 'paris', null),
    c('old', 'lyon', '2026-01-01T00:00:00Z'),
    c('middle', 'paris', '2026-01-05T00:00:00Z'),
  ];

  it('oldest last good backup first, never-backed-up before all', () => {
    const r = admit(candidates, none, { global: 10 });
    expect(r.admitted.map((x) => x.clientId)).toEqual(['never', 'old', 'middle', 'recent']);
  });

  it('global cap counts what is already in flight', () => {
    const r = admit(candidates, { total: 1, bySite: {}, clients: new Set(['x']) }, { global: 3 });
    expect(r.admitted.map((x) => x.clientId)).toEqual(['never', 'old']);
    expect(r.deferred.map((d) => [d.candidate.clientId, d.reason])).toEqual([
      ['middle', 'global-cap'],
      ['recent', 'global-cap'],
    ]);
  });

  it('per-site cap lets another site go ahead', () => {
    const r = admit(candidates, { total: 0, bySite: { paris: 1 }, clients: new Set() }, { global: 10, perSite: { paris: 2 } });
    expect(r.admitted.map((x) => x.clientId)).toEqual(['never', 'old']);
    expect(r.deferred.map((d) => [d.candidate.clientId, d.reason])).toEqual([
      ['middle', 'site-cap'],
      ['recent', 'site-cap'],
    ]);
    const dflt = admit(candidates, none, { global: 10, perSiteDefault: 1 });
    expect(dflt.admitted.map((x) => x.clientId)).toEqual(['never', 'old']);
  });

  it('a client with a backup in flight is not started twice', () => {
    const r = admit(candidates, { total: 1, bySite: {}, clients: new Set(['never']) }, { global: 10 });
    expect(r.admitted.map((x) => x.clientId)).toEqual(['old', 'middle', 'recent']);
    expect(r.deferred).toEqual([{ candidate: candidates[1], reason: 'client-busy' }]);
  });

  it('queue priority orders jobs oldest-first across ticks', () => {
    expect(queuePriority(null)).toBe(1);
    const p = ['2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T05:00:00Z'].map((s) => queuePriority(at(s)));
    expect(p[0]).toBeLessThan(p[1]!);
    expect(p[1]).toBeLessThan(p[2]!);
    for (const v of p) expect(Number.isInteger(v) && v >= 2 && v < 2 ** 21).toBe(true);
  });
});

describe('retry with backoff within the window', () => {
  const failed = at('2026-01-10T22:00:00Z');
  it('doubles from the base up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (nextRetryAt(n, failed, null)!.getTime() - failed.getTime()) / 1000);
    expect(delays).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
  });
  it('gives up when the retry would start after the window closes', () => {
    const closes = at('2026-01-10T22:05:00Z');
    expect(nextRetryAt(2, failed, closes)).toEqual(at('2026-01-10T22:02:00Z'));
    expect(nextRetryAt(3, failed, closes)).toEqual(at('2026-01-10T22:04:00Z'));
    expect(nextRetryAt(4, failed, closes)).toBeNull();
  });
});
