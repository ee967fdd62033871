import { describe, expect, it } from 'vitest';
import { basicAuthHeader, checkBasicAuth, deriveCallbackToken, journalDecision, journalEpoch, journalSince } from './agent-protocol.js';

describe('journal epochs', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const prevRun = new Date('2026-01-01T02:00:00Z');
  const alive = { lastHeartbeatAt: new Date(now.getTime() - 10_000) };
  const opts = { heartbeatSeconds: 30, now };

  it('round-trips since through the epoch string', () => {
    expect(journalSince(journalEpoch(1_700_000_000_000, '1700000000000-abcdef'))).toBe(1_700_000_000_000);
    expect(journalSince('garbage')).toBeNaN();
  });

  it('uses the journal only when it covers the time since the previous run and the agent is alive', () => {
    const covering = journalEpoch(prevRun.getTime() - 60_000, 'x');
    expect(journalDecision({ ...alive, journalEpoch: covering }, prevRun, opts)).toEqual({ mode: 'journal', epoch: covering, since: prevRun });
    expect(journalDecision({ ...alive, journalEpoch: journalEpoch(prevRun.getTime() + 1, 'x') }, prevRun, opts)).toMatchObject({ mode: 'walk', reason: expect.stringContaining('gap') });
    expect(journalDecision({ lastHeartbeatAt: new Date(now.getTime() - 91_000), journalEpoch: covering }, prevRun, opts)).toMatchObject({ mode: 'walk', reason: expect.stringContaining('offline') });
    expect(journalDecision({ ...alive, journalEpoch: null }, prevRun, opts).mode).toBe('walk');
    expect(journalDecision({ ...alive, journalEpoch: covering }, null, opts).mode).toBe('walk');
    expect(journalDecision(null, prevRun, opts).mode).toBe('walk');
  });

  it('trusts the journal only if prepare() shows the same epoch, every share watched and changes delivered', () => {
    const stored = journalEpoch(prevRun.getTime() - 60_000, '1767225600000-abcdef');
    const agent = { ...alive, journalEpoch: stored };
    const live = { epoch: '1767225600000-abcdef', complete: true, flushed: true };
    expect(journalDecision(agent, prevRun, { ...opts, fromPrepare: live }).mode).toBe('journal');
    expect(journalDecision(agent, prevRun, { ...opts, fromPrepare: { ...live, epoch: '1767225699999-ffffff' } })).toMatchObject({ mode: 'walk', reason: expect.stringContaining('restarted') });
    expect(journalDecision(agent, prevRun, { ...opts, fromPrepare: { ...live, complete: false } })).toMatchObject({ mode: 'walk', reason: expect.stringContaining('every share') });
    expect(journalDecision(agent, prevRun, { ...opts, fromPrepare: { ...live, flushed: false } })).toMatchObject({ mode: 'walk' });
  });
});

describe('callback credentials', () => {
  it('derives a stable per-agent token and checks Basic auth in constant time', () => {
    const key = Buffer.alloc(32, 7);
    const t = deriveCallbackToken(key, 'agent-1');
    expect(t).toBe(deriveCallbackToken(key, 'agent-1'));
    expect(t).not.toBe(deriveCallbackToken(key, 'agent-2'));
    expect(checkBasicAuth(basicAuthHeader('backtrac', t), 'backtrac', t)).toBe(true);
    expect(checkBasicAuth(basicAuthHeader('backtrac', `${t}x`), 'backtrac', t)).toBe(false);
    expect(checkBasicAuth(undefined, 'backtrac', t)).toBe(false);
    expect(checkBasicAuth('Basic !!!', 'backtrac', t)).toBe(false);
  });
});
