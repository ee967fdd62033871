import { describe, expect, it, vi } from 'vitest';
import { AlertDispatchService, type AlertSettings, InMemoryAlertLedger } from './alert-dispatch.service.js';
import type { AlertEvent } from './alert.types.js';

const settings: AlertSettings = {
  serverName: 'hq',
  timeZone: 'UTC',
  email: { host: 'mx', port: 25, secure: false, requireTls: false, username: null, password: null, from: 'bt@x', to: ['ops@x'] },
  webhooks: [{ url: 'http://hook/a', secret: 'k' }, { url: 'http://hook/b', secret: null, types: ['disk-guard'] }],
  enabledTypes: ['run-failed', 'not-backed-up', 'disk-guard'],
  repeatHours: 24,
};
const now = new Date('2026-01-15T12:00:00Z');
const overdue: AlertEvent = { type: 'not-backed-up', at: now, clientId: 'c1', clientName: 'ws', lastGoodAt: null, thresholdDays: 3 };

function setup() {
  const mailer = { send: vi.fn().mockResolvedValue({ messageId: 'm', accepted: ['ops@x'], rejected: [] }) };
  const hooks = { post: vi.fn().mockResolvedValue({ status: 200, deliveryId: 'd' }) };
  const ledger = new InMemoryAlertLedger();
  return { mailer, hooks, ledger, svc: new AlertDispatchService(mailer, hooks, ledger) };
}

describe('alert dispatch', () => {
  it('sends to email and to the webhooks subscribed to the type', async () => {
    const { svc, mailer, hooks } = setup();
    const r = await svc.dispatch(overdue, settings, now);
    expect(r).toEqual({
      sent: true,
      dedupeKey: 'not-backed-up:c1',
      results: [
        { channel: 'email', target: 'ops@x', ok: true },
        { channel: 'webhook', target: 'http://hook/a', ok: true },
      ],
    });
    expect(mailer.send).toHaveBeenCalledWith(settings.email, expect.objectContaining({ subject: '[BackTrac hq] CRITICAL: ws not backed up for 3+ days' }));
    expect(hooks.post).toHaveBeenCalledTimes(1);
  });

  it('a standing condition is repeated only after repeatHours; a one-off event goes out once', async () => {
    const { svc } = setup();
    expect((await svc.dispatch(overdue, settings, now)).sent).toBe(true);
    expect(await svc.dispatch(overdue, settings, new Date(now.getTime() + 3_600_000))).toMatchObject({ sent: false, skipped: 'throttled' });
    expect((await svc.dispatch(overdue, settings, new Date(now.getTime() + 24 * 3_600_000))).sent).toBe(true);
    const failed: AlertEvent = { type: 'run-failed', at: now, clientId: 'c1', clientName: 'ws', runId: 'r1', jobId: 'j', error: 'x', attempts: 1 };
    expect((await svc.dispatch(failed, settings, now)).sent).toBe(true);
    expect(await svc.dispatch(failed, settings, new Date(now.getTime() + 100 * 3_600_000))).toMatchObject({ sent: false, skipped: 'throttled' });
  });

  it('disabled types are not sent; test alerts always are, to every channel', async () => {
    const { svc, hooks } = setup();
    const unusual: AlertEvent = { type: 'unusual-run', at: now, clientId: 'c', clientName: 'c', runId: 'r', changedFiles: 1, previousFiles: 1, changedShare: 1, thresholdShare: 0.3 };
    expect(await svc.dispatch(unusual, settings, now)).toMatchObject({ sent: false, skipped: 'disabled' });
    const t = await svc.dispatch({ type: 'test', at: now, requestedBy: 'admin' }, settings, now);
    expect(t.sent && t.results.map((x) => x.target)).toEqual(['ops@x', 'http://hook/a', 'http://hook/b']);
    expect(hooks.post).toHaveBeenCalledTimes(2);
  });

  it('one failing channel does not stop the others; all failing leaves the alert unannounced', async () => {
    const { svc, mailer, hooks } = setup();
    mailer.send.mockRejectedValue(new Error('connection refused'));
    const r = await svc.dispatch(overdue, settings, now);
    expect(r.sent && r.results).toEqual([
      { channel: 'email', target: 'ops@x', ok: false, error: 'connection refused' },
      { channel: 'webhook', target: 'http://hook/a', ok: true },
    ]);
    hooks.post.mockRejectedValue(new Error('503'));
    const other: AlertEvent = { ...overdue, clientId: 'c2' };
    expect((await svc.dispatch(other, settings, now)).sent).toBe(true);
    // Nothing got through for c2, so the next tick tries again instead of being throttled.
    expect((await svc.dispatch(other, settings, new Date(now.getTime() + 60_000))).sent).toBe(true);
  });

  it('no channel configured', async () => {
    const { svc } = setup();
    expect(await svc.dispatch(overdue, { ...settings, email: null, webhooks: [] }, now)).toMatchObject({ sent: false, skipped: 'no-channel' });
  });
});
