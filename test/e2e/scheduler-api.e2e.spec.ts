import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { type MailSink, type ReceivedHook, type ReceivedMail, startMailSink, startWebhookSink, type WebhookSink } from '../harness/alert-sinks.js';
import { type Stack, startStack } from '../harness/services.js';

/**
 * The scheduler-related api against the real api process: retention dry run, alert settings
 * (secrets write-only and sealed), and the test alert through a real SMTP sink and HTTP receiver.
 */
describe('retention dry run and alert settings api (real api process, Postgres, SMTP sink, webhook receiver)', () => {
  let stack: Stack;
  let db: pg.Client;
  let cookie: string;
  let mailSink: MailSink | undefined;
  let hookSink: WebhookSink | undefined;
  let smtpPort: number;
  let httpUrl: string;
  let mails: ReceivedMail[];
  let hooks: ReceivedHook[];

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    mailSink = await startMailSink({ username: 'alerts', password: 'smtp-secret-1' });
    ({ port: smtpPort, mails } = mailSink);
    hookSink = await startWebhookSink();
    ({ url: httpUrl, hooks } = hookSink);

    // The webhook receiver listens on loopback, which webhooks may reach only when an admin allows it.
    stack = await startStack({ services: ['api'], env: { LOG_LEVEL: 'warn', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' } });
    db = new pg.Client({ connectionString: stack.env.DATABASE_URL });
    await db.connect();
    const login = await fetch(`${stack.apiUrl}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: stack.adminEmail, password: stack.adminPassword }),
    });
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
    await mailSink?.close();
    await hookSink?.close();
  });

  it('dry-runs a policy over a client\'s snapshots with reasons, and answers 400/404 for bad input', async () => {
    const client = (await api('POST', '/api/clients', { name: 'dry-ws', hostname: 'dry-ws' })).body;
    const policy = (await api('POST', '/api/retention-policies', { name: 'two and daily', keepLast: 2, keepDaily: 2 })).body;
    // Five snapshots: two on 1 March, three on 2 March (UTC); seq 1 pinned, seq 4 finished with errors.
    const times = ['2026-03-01T08:00:00Z', '2026-03-01T20:00:00Z', '2026-03-02T08:00:00Z', '2026-03-02T12:00:00Z', '2026-03-02T20:00:00Z'];
    for (const [i, at] of times.entries()) {
      await db.query('INSERT INTO snapshots (client_id, seq, partial, pinned, completed_at) VALUES ($1, $2, $3, $4, $5)', [client.id, i + 1, i + 1 === 4, i + 1 === 1, at]);
    }
    const dry = await api('GET', `/api/retention-policies/${policy.id}/dry-run?clientId=${client.id}`);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ policyId: policy.id, clientId: client.id, timeZone: 'UTC' });
    const keep = Object.fromEntries(dry.body.keep.map((k: { seq: number; reasons: unknown[] }) => [k.seq, k.reasons]));
    expect(keep).toEqual({
      5: [{ rule: 'newest-good' }, { rule: 'last', rank: 1 }, { rule: 'daily', bucket: '2026-03-02', rank: 1 }],
      3: [{ rule: 'last', rank: 2 }],
      2: [{ rule: 'daily', bucket: '2026-03-01', rank: 2 }],
      1: [{ rule: 'pinned' }],
    });
    expect(dry.body.delete).toEqual([expect.objectContaining({ seq: 4, good: false, pinned: false, reason: 'finished with errors and not kept by any rule' })]);
    // Nothing was deleted.
    expect((await db.query('SELECT count(*)::int AS n FROM snapshots WHERE expired_at IS NULL')).rows[0].n).toBe(5);

    expect((await api('GET', `/api/retention-policies/${policy.id}/dry-run`)).status).toBe(400);
    expect((await api('GET', `/api/retention-policies/${policy.id}/dry-run?clientId=nope`)).status).toBe(400);
    expect((await api('GET', `/api/retention-policies/not-a-uuid/dry-run?clientId=${client.id}`)).status).toBe(400);
    expect((await api('GET', `/api/retention-policies/${policy.id}/dry-run?clientId=00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await api('GET', `/api/retention-policies/00000000-0000-4000-8000-000000000000/dry-run?clientId=${client.id}`)).status).toBe(404);
  });

  it('keeps SMTP and webhook secrets write-only and sealed, validates every field, and sends a test alert through each channel', async () => {
    const defaults = await api('GET', '/api/alert-settings');
    expect(defaults.status).toBe(200);
    expect(defaults.body).toMatchObject({ updatedAt: null, smtp: { host: null, passwordSet: false }, webhooks: [], notBackedUpDays: 3 });
    expect((await api('POST', '/api/alert-settings/test')).status).toBe(400);

    const put = await api('PUT', '/api/alert-settings', {
      serverName: 'BackTrac e2e',
      smtp: { host: '127.0.0.1', port: smtpPort, secure: false, requireTls: false, username: 'alerts', password: 'smtp-secret-1' },
      from: 'backtrac@example.test',
      recipients: ['ops@example.test', 'boss@example.test'],
      webhooks: [{ url: `${httpUrl}/signed`, secret: 'hmac-secret-123' }, { url: `${httpUrl}/broken` }],
      notBackedUpDays: 2, agentOfflineHours: 6, unusualRunShare: 0.5, digestHour: 7, enabledTypes: ['run-failed', 'unusual-run'],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      smtp: { host: '127.0.0.1', port: smtpPort, username: 'alerts', passwordSet: true },
      webhooks: [{ url: `${httpUrl}/signed`, secretSet: true, types: [] }, { url: `${httpUrl}/broken`, secretSet: false, types: [] }],
      notBackedUpDays: 2, agentOfflineHours: 6, unusualRunShare: 0.5, digestHour: 7, enabledTypes: ['run-failed', 'unusual-run'],
    });
    const text = JSON.stringify((await api('GET', '/api/alert-settings')).body);
    expect(text).not.toContain('smtp-secret-1');
    expect(text).not.toContain('hmac-secret-123');
    const [row] = (await db.query('SELECT smtp_password_sealed, webhooks::text AS webhooks FROM alert_settings')).rows;
    expect(row.smtp_password_sealed).toMatch(/^v\d+:/);
    expect(row.smtp_password_sealed).not.toContain('smtp-secret-1');
    expect(row.webhooks).not.toContain('hmac-secret-123');

    // Leaving the secret out keeps it; a change elsewhere does not touch the SMTP password.
    const again = await api('PUT', '/api/alert-settings', { webhooks: [{ url: `${httpUrl}/signed` }, { url: `${httpUrl}/broken` }], repeatHours: 12 });
    expect(again.body.webhooks[0].secretSet).toBe(true);
    expect(again.body.smtp.passwordSet).toBe(true);

    for (const bad of [
      { recipients: ['not an address'] },
      { from: 'nobody' },
      { webhooks: [{ url: 'ftp://example.test/x' }] },
      { webhooks: [{ url: `${httpUrl}/a` }, { url: `${httpUrl}/a` }] },
      { enabledTypes: ['meteor-strike'] },
      { unusualRunShare: 1.5 },
      { digestHour: 24 },
      { notBackedUpDays: -1 },
      { smtp: { host: 'bad host name!', port: 25 } },
      { smtp: { port: 70000 } },
      { timeZone: 'Mars/Olympus' },
      { unknownField: true },
    ]) {
      const response = await api('PUT', '/api/alert-settings', bad);
      expect(response.status, JSON.stringify(bad)).toBe(400);
    }

    const sent = await api('POST', '/api/alert-settings/test');
    expect(sent.status).toBe(200);
    expect(sent.body.ok).toBe(true);
    expect(sent.body.results).toEqual(
      expect.arrayContaining([
        { channel: 'email', target: 'ops@example.test, boss@example.test', ok: true },
        { channel: 'webhook', target: `${httpUrl}/signed`, ok: true },
        expect.objectContaining({ channel: 'webhook', target: `${httpUrl}/broken`, ok: false, error: expect.stringContaining('500') }),
      ]),
    );
    expect(sent.body.results).toHaveLength(3);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ from: 'backtrac@example.test', to: ['ops@example.test', 'boss@example.test'], user: 'alerts' });
    expect(mails[0]!.raw).toContain('BackTrac e2e');
    const signed = hooks.find((h) => h.path === '/signed')!;
    const payload = JSON.parse(signed.body);
    expect(payload.type).toBe('test');
    const ts = signed.headers['x-backtrac-timestamp'] as string;
    const expected = createHmac('sha256', 'hmac-secret-123').update(`${ts}.${signed.body}`).digest('hex');
    expect(signed.headers['x-backtrac-signature']).toBe(`sha256=${expected}`);
    expect(hooks.find((h) => h.path === '/broken')!.headers['x-backtrac-signature']).toBeUndefined();
  });
});
