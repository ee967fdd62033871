import { describe, expect, it } from 'vitest';
import { offlineAgents, overdueClients, shouldSend } from './alert-rules.js';
import { signWebhook, verifyWebhook } from './webhook-signature.js';

const now = new Date('2026-01-15T12:00:00Z');
const h = (n: number) => new Date(now.getTime() - n * 3_600_000);

describe('alert rules', () => {
  it('overdue clients: global limit, per-client override, new clients measured from creation, disabled ignored', () => {
    const base = { enabled: true, createdAt: h(24 * 100), notBackedUpDays: null };
    const out = overdueClients(
      [
        { ...base, clientId: 'a', clientName: 'a', lastGoodAt: h(24 * 3 + 1) }, // 3 days + 1 h: overdue at 3
        { ...base, clientId: 'b', clientName: 'b', lastGoodAt: h(24 * 3 - 1) },
        { ...base, clientId: 'c', clientName: 'c', lastGoodAt: h(30), notBackedUpDays: 1 },
        { ...base, clientId: 'd', clientName: 'd', lastGoodAt: null, createdAt: h(2) },
        { ...base, clientId: 'e', clientName: 'e', lastGoodAt: null },
        { ...base, clientId: 'f', clientName: 'f', lastGoodAt: h(24 * 30), enabled: false },
      ],
      3,
      now,
    );
    expect(out.map((a) => [a.clientId, a.thresholdDays])).toEqual([
      ['a', 3],
      ['c', 1],
      ['e', 3],
    ]);
  });

  it('offline agents: only approved ones past the limit; never-seen measured from enrolment', () => {
    const base = { hostname: 'h', clientName: null, approved: true, enrolledAt: h(100) };
    const out = offlineAgents(
      [
        { ...base, agentId: 'a', lastHeartbeatAt: h(5) },
        { ...base, agentId: 'b', lastHeartbeatAt: h(3) },
        { ...base, agentId: 'c', lastHeartbeatAt: null },
        { ...base, agentId: 'd', lastHeartbeatAt: h(50), approved: false },
      ],
      4,
      now,
    );
    expect(out.map((a) => a.agentId)).toEqual(['a', 'c']);
    expect(offlineAgents([{ ...base, agentId: 'a', lastHeartbeatAt: h(500) }], 0, now)).toEqual([]);
  });

  it('throttle: first time yes, then only after repeatHours; 0 means once', () => {
    expect(shouldSend(null, now, 24)).toBe(true);
    expect(shouldSend(h(23), now, 24)).toBe(false);
    expect(shouldSend(h(24), now, 24)).toBe(true);
    expect(shouldSend(h(1000), now, 0)).toBe(false);
  });
});

describe('webhook signature', () => {
  const body = '{"a":1}';
  it('signs timestamp and body; verify rejects tampering, wrong secret and replays', () => {
    const sig = signWebhook('s3cret', 1_700_000_000, body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook('s3cret', sig, '1700000000', body, 1_700_000_010)).toBe(true);
    expect(verifyWebhook('s3cret', sig, '1700000000', '{"a":2}', 1_700_000_010)).toBe(false);
    expect(verifyWebhook('other', sig, '1700000000', body, 1_700_000_010)).toBe(false);
    expect(verifyWebhook('s3cret', sig, '1700000001', body, 1_700_000_010)).toBe(false);
    expect(verifyWebhook('s3cret', sig, '1700000000', body, 1_700_001_000)).toBe(false);
    expect(verifyWebhook('s3cret', undefined, '1700000000', body, 1_700_000_010)).toBe(false);
  });
});
