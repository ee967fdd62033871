import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDispatchService, type AlertSettings, InMemoryAlertLedger } from './alert-dispatch.service.js';
import { RedisAlertLedgerRepository } from './alert-ledger.repository.js';
import { composeAlert } from './alert-message.js';
import { type MailSink, type ReceivedHook, type ReceivedMail, startMailSink, startWebhookSink, type WebhookSink } from '../../../test/harness/alert-sinks.js';
import { createTestRedis } from '../../../test/harness/redis.js';
import type { AlertEvent } from './alert.types.js';
import { SmtpMailerRepository } from './smtp-mailer.repository.js';
import { verifyWebhook } from './webhook-signature.js';
import { WebhookDeliveryError, WebhookSenderRepository } from './webhook-sender.repository.js';

/** Undoes quoted-printable and MIME header folding so assertions read the text a person sees. */
function decodeQp(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

const event: AlertEvent = {
  type: 'unusual-run',
  at: new Date('2026-01-15T08:00:00Z'),
  clientId: 'c1',
  clientName: 'ws-01 (accounting, 2nd floor, the one by the window)',
  runId: 'r9',
  changedFiles: 9000,
  previousFiles: 10000,
  changedShare: 0.9,
  thresholdShare: 0.3,
};

describe('alert delivery (real SMTP sink and HTTP receiver on loopback)', () => {
  let mailSink: MailSink | undefined;
  let hookSink: WebhookSink | undefined;
  let smtpPort: number;
  let httpUrl: string;
  let mails: ReceivedMail[];
  let hooks: ReceivedHook[];

  beforeAll(async () => {
    mailSink = await startMailSink({ username: 'alerts', password: 'pw' });
    ({ port: smtpPort, mails } = mailSink);
    hookSink = await startWebhookSink();
    ({ url: httpUrl, hooks } = hookSink);
  });

  afterAll(async () => {
    await mailSink?.close();
    await hookSink?.close();
  });

  const smtpSettings = () => ({
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    requireTls: false,
    username: 'alerts',
    password: 'pw',
    from: 'BackTrac <backtrac@example.test>',
    to: ['ops@example.test', 'boss@example.test'],
  });

  it('sends an alert e-mail with authentication, subject, text and HTML parts', async () => {
    const message = composeAlert(event, { serverName: 'hq', consoleUrl: 'https://bt.example.test', timeZone: 'UTC' });
    const r = await new SmtpMailerRepository().send(smtpSettings(), message);
    expect(r.accepted.sort()).toEqual(['boss@example.test', 'ops@example.test']);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail).toMatchObject({ from: 'backtrac@example.test', to: ['ops@example.test', 'boss@example.test'], user: 'alerts' });
    const raw = decodeQp(mail.raw).replace(/\r\n/g, '\n');
    expect(raw).toMatch(/^Subject: \[BackTrac hq\] CRITICAL: Unusual backup of ws-01/m);
    expect(raw).toMatch(/^X-BackTrac-Alert: unusual-run$/im);
    expect(raw).toContain('Content-Type: text/plain');
    expect(raw).toContain('Content-Type: text/html');
    expect(raw).toContain('changed or deleted 9000 of 10000 files (90.0 %, limit 30.0 %)');
    expect(raw).toContain('Details: https://bt.example.test/runs/r9');
    expect(raw).toContain('<a href="https://bt.example.test/runs/r9">Details</a>');
  });

  it('a wrong SMTP password is an error, not a silent drop', async () => {
    const message = composeAlert(event, { serverName: 'hq', timeZone: 'UTC' });
    const before = mails.length;
    await expect(new SmtpMailerRepository().send({ ...smtpSettings(), password: 'nope' }, message)).rejects.toThrow(/auth|credentials/i);
    expect(mails).toHaveLength(before);
  });

  it('posts the JSON payload with a verifiable HMAC signature', async () => {
    const message = composeAlert(event, { serverName: 'hq', timeZone: 'UTC' });
    const now = new Date();
    const r = await new WebhookSenderRepository(10_000, true).post({ url: `${httpUrl}/signed`, secret: 'hook-secret' }, message.payload, now);
    expect(r.status).toBe(204);
    const got = hooks.find((h) => h.path === '/signed')!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-backtrac-event']).toBe('unusual-run');
    expect(got.headers['x-backtrac-delivery']).toBe(r.deliveryId);
    expect(JSON.parse(got.body)).toEqual(message.payload);
    const sig = got.headers['x-backtrac-signature'] as string;
    const ts = got.headers['x-backtrac-timestamp'] as string;
    expect(ts).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(verifyWebhook('hook-secret', sig, ts, got.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifyWebhook('wrong-secret', sig, ts, got.body, Math.floor(Date.now() / 1000))).toBe(false);
  });

  it('refuses an internal address unless internal addresses are allowed, and sends nothing there', async () => {
    const message = composeAlert(event, { serverName: 'hq', timeZone: 'UTC' });
    const port = new URL(httpUrl).port;
    for (const url of [`${httpUrl}/refused`, `http://localhost:${port}/refused`]) {
      await expect(new WebhookSenderRepository().post({ url, secret: null }, message.payload)).rejects.toThrow(/internal address .*WEBHOOK_ALLOW_PRIVATE_ADDRESSES/);
    }
    expect(hooks.filter((h) => h.path === '/refused')).toEqual([]);
  });

  it('without a secret there is no signature; a 500 answer is an error', async () => {
    const message = composeAlert(event, { serverName: 'hq', timeZone: 'UTC' });
    await new WebhookSenderRepository(10_000, true).post({ url: `${httpUrl}/plain`, secret: null }, message.payload);
    const got = hooks.find((h) => h.path === '/plain')!;
    expect(got.headers['x-backtrac-signature']).toBeUndefined();
    await expect(new WebhookSenderRepository(10_000, true).post({ url: `${httpUrl}/broken`, secret: null }, message.payload)).rejects.toThrow(WebhookDeliveryError);
  });

  it('the Redis ledger throttles a standing condition across dispatcher instances', async () => {
    const redis = createTestRedis();
    const conn = new Redis(redis.url);
    try {
      const settings: AlertSettings = {
        serverName: 'hq',
        timeZone: 'UTC',
        email: null,
        webhooks: [{ url: `${httpUrl}/ledger`, secret: null }],
        enabledTypes: ['not-backed-up'],
        repeatHours: 24,
      };
      const overdue: AlertEvent = { type: 'not-backed-up', at: new Date(), clientId: 'c9', clientName: 'ws', lastGoodAt: null, thresholdDays: 2 };
      const one = new AlertDispatchService(new SmtpMailerRepository(), new WebhookSenderRepository(10_000, true), new RedisAlertLedgerRepository(conn, redis.prefix));
      const two = new AlertDispatchService(new SmtpMailerRepository(), new WebhookSenderRepository(10_000, true), new RedisAlertLedgerRepository(conn, redis.prefix));
      const t0 = new Date();
      expect((await one.dispatch(overdue, settings, t0)).sent).toBe(true);
      expect(await two.dispatch(overdue, settings, new Date(t0.getTime() + 3_600_000))).toMatchObject({ sent: false, skipped: 'throttled' });
      expect((await two.dispatch(overdue, settings, new Date(t0.getTime() + 25 * 3_600_000))).sent).toBe(true);
      expect(hooks.filter((h) => h.path === '/ledger')).toHaveLength(2);
    } finally {
      conn.disconnect();
      await redis.cleanup();
    }
  });

  it('the dispatcher delivers one event to both channels', async () => {
    const before = { mails: mails.length, hooks: hooks.length };
    const settings: AlertSettings = {
      serverName: 'hq',
      timeZone: 'UTC',
      email: smtpSettings(),
      webhooks: [{ url: `${httpUrl}/dispatch`, secret: 's' }],
      enabledTypes: ['unusual-run'],
      repeatHours: 24,
    };
    const svc = new AlertDispatchService(new SmtpMailerRepository(), new WebhookSenderRepository(10_000, true), new InMemoryAlertLedger());
    const r = await svc.dispatch(event, settings, new Date());
    expect(r.sent && r.results.every((x) => x.ok)).toBe(true);
    expect(mails.length - before.mails).toBe(1);
    expect(hooks.length - before.hooks).toBe(1);
  });
});
