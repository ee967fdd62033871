import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import argon2 from 'argon2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../harness/api-client.js';
import { type Stack, startStack } from '../harness/services.js';

/** Issue 11's server-side rules, against the real api process, Postgres and Redis. */
describe('api security rules (real process)', () => {
  let stack: Stack;
  let work: string;
  let admin: ApiClient;
  let operator: ApiClient;
  let db: pg.Client;
  let clientId: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bt-security-'));
    stack = await startStack({ services: ['api'], env: { STORE_ROOT: join(work, 'store'), FILE_SHARE_ROOTS: join(work, 'exports'), API_TRUST_FORWARDED_FOR: 'true' } });
    db = new pg.Client({ connectionString: stack.env.DATABASE_URL });
    await db.connect();
    admin = new ApiClient(stack.apiUrl);
    expect((await admin.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword })).status).toBe(200);
    // Accounts other than admins come from the users/roles work; until then, one straight in the catalog.
    await db.query(`INSERT INTO users (email, password_hash, role) VALUES ('operator@backtrac.test', $1, 'operator')`, [await argon2.hash('operator-password-1')]);
    operator = new ApiClient(stack.apiUrl);
    expect((await operator.call('POST', '/auth/login', { email: 'operator@backtrac.test', password: 'operator-password-1' })).status).toBe(200);
    clientId = (await admin.call('POST', '/clients', { name: 'sec-01', hostname: 'sec-01.lan' })).json.id;
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe('file:// shares', () => {
    it('are refused to anyone but an admin', async () => {
      const refused = await operator.call('POST', `/clients/${clientId}/shares`, { name: 'local', url: `file://${join(work, 'exports', 'a')}` });
      expect(refused.status).toBe(403);
      expect(refused.json.message).toMatch(/Only an admin may create a file:\/\/ share/);
      const smb = await operator.call('POST', `/clients/${clientId}/shares`, { name: 'smb', url: 'smb://sec-01.lan/docs' });
      expect(smb.status).toBe(201);
      const moved = await operator.call('PATCH', `/shares/${smb.json.id}`, { url: `file://${join(work, 'exports', 'a')}` });
      expect(moved.status).toBe(403);
      expect((await admin.call('GET', `/shares/${smb.json.id}`)).json.url).toBe('smb://sec-01.lan/docs');
    });

    it('point only under FILE_SHARE_ROOTS, even for an admin', async () => {
      for (const url of ['file:///etc', 'file:///var/lib/backtrac/store', `file://${join(work, 'exports')}-other`, `file://${join(work, 'exports')}/../store`]) {
        const refused = await admin.call('POST', `/clients/${clientId}/shares`, { name: 'outside', url });
        expect(refused.status, url).toBe(400);
        expect(refused.json.message).toContain(`is not under a directory listed in FILE_SHARE_ROOTS (one of ${join(work, 'exports')})`);
      }
      const inside = await admin.call('POST', `/clients/${clientId}/shares`, { name: 'inside', url: `file://${join(work, 'exports', 'alice')}` });
      expect(inside.status).toBe(201);
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM shares WHERE name = 'outside'`);
      expect(rows[0].n).toBe(0);
    });
  });

  describe('stored passwords follow their host', () => {
    it('moving a share to another host drops its password; a new path on the same host keeps it', async () => {
      const share = await admin.call('POST', `/clients/${clientId}/shares`, { name: 'docs', url: 'smb://files.lan/docs', username: 'bob', password: 'Bob-share-pass-1' });
      expect(share.json.hasPassword).toBe(true);
      const samePlace = await admin.call('PATCH', `/shares/${share.json.id}`, { url: 'smb://FILES.lan/docs/projects' });
      expect(samePlace.json.hasPassword).toBe(true);
      const elsewhere = await admin.call('PATCH', `/shares/${share.json.id}`, { url: 'smb://attacker.example/docs' });
      expect(elsewhere.status).toBe(200);
      expect(elsewhere.json.hasPassword).toBe(false);
      const { rows } = await db.query('SELECT password_sealed FROM shares WHERE id = $1', [share.json.id]);
      expect(rows[0].password_sealed).toBeNull();
      const port = await admin.call('PATCH', `/shares/${share.json.id}`, { url: 'smb://attacker.example:8445/docs', password: 'given-again-1' });
      expect(port.json.hasPassword).toBe(true);
      expect((await admin.call('PATCH', `/shares/${share.json.id}`, { url: 'smb://attacker.example/docs' })).json.hasPassword).toBe(false);
    });

    it('changing the SMTP host drops the SMTP password unless it is given again', async () => {
      const saved = await admin.call('PUT', '/alert-settings', { smtp: { host: 'mail.lan', port: 587, username: 'alerts', password: 'Smtp-pass-1' } });
      expect(saved.status, saved.text).toBe(200);
      expect(saved.json.smtp.passwordSet).toBe(true);
      expect((await admin.call('PUT', '/alert-settings', { smtp: { host: 'mail.lan', port: 465 } })).json.smtp.passwordSet).toBe(true);
      expect((await admin.call('PUT', '/alert-settings', { smtp: { host: 'evil.example' } })).json.smtp.passwordSet).toBe(false);
      expect((await admin.call('PUT', '/alert-settings', { smtp: { host: 'mail.lan', password: 'Smtp-pass-2' } })).json.smtp.passwordSet).toBe(true);
    });
  });

  describe('session cookie and cross-site requests', () => {
    it('sets a Secure, HttpOnly, SameSite=Strict __Host- cookie by default', async () => {
      const response = await fetch(`${stack.apiUrl}/api/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: stack.adminEmail, password: stack.adminPassword }),
      });
      expect(response.status).toBe(200);
      const cookie = response.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^__Host-bt_session=[^;]+;/);
      const attributes = cookie.split(';').map((part) => part.trim().toLowerCase());
      expect(attributes).toEqual(expect.arrayContaining(['path=/', 'httponly', 'secure', 'samesite=strict']));
      expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);
    });

    const post = (path: string, headers: Record<string, string>, body: string) =>
      fetch(`${stack.apiUrl}/api${path}`, { method: 'POST', headers: { cookie: admin.sessionCookie, ...headers }, body });

    it('refuses a state-changing request from another site, by Origin or Sec-Fetch-Site', async () => {
      const json = { 'content-type': 'application/json' };
      const body = (name: string) => JSON.stringify({ name, hostname: `${name}.lan` });
      for (const [headers, name] of [
        [{ ...json, origin: 'https://evil.example' }, 'csrf-origin'],
        [{ ...json, origin: 'null' }, 'csrf-null'],
        [{ ...json, 'sec-fetch-site': 'cross-site', origin: stack.apiUrl }, 'csrf-fetch-site'],
        [{ ...json, 'sec-fetch-site': 'same-site' }, 'csrf-same-site'],
      ] as const) {
        const response = await post('/clients', headers, body(name));
        expect(response.status, name).toBe(403);
        expect(((await response.json()) as { message: string }).message).toMatch(/^Cross-site request refused/);
      }
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM clients WHERE name LIKE 'csrf-%'`);
      expect(rows[0].n).toBe(0);
      // The console itself (same origin) and programs without browser headers still work.
      expect((await post('/clients', { ...json, origin: stack.apiUrl, 'sec-fetch-site': 'same-origin' }, body('same-origin-ok'))).status).toBe(201);
      expect((await post('/clients', { ...json, origin: stack.apiUrl }, body('origin-ok'))).status).toBe(201);
      expect((await post('/clients', json, body('script-ok'))).status).toBe(201);
    });

    it('does not parse urlencoded bodies (an HTML form elsewhere cannot post one)', async () => {
      const form = new URLSearchParams({ email: stack.adminEmail, password: stack.adminPassword }).toString();
      const response = await fetch(`${stack.apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      expect(response.status).toBe(400);
      expect(response.headers.get('set-cookie')).toBeNull();
    });
  });

  it('builds the enrol command from the configured address, never from the Host header', async () => {
    const issued = await admin.call('POST', `/clients/${clientId}/enrolment-tokens`, {});
    expect(issued.status).toBe(201);
    // No PUBLIC_URL or GATEWAY_PUBLIC_URL in this stack: a placeholder the admin replaces.
    expect(issued.json.command).toMatch(/^backtrac-agent enroll --server http:\/\/backup-server:\d+\/RPC2 --token /);
    expect(issued.json.command).not.toContain('127.0.0.1');
  });

  describe('webhooks', () => {
    it('refuse loopback, private and metadata addresses', async () => {
      for (const url of ['http://127.0.0.1:6379/x', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.5/hook', 'http://[::1]:8080/hook']) {
        const refused = await admin.call('PUT', '/alert-settings', { webhooks: [{ url }] });
        expect(refused.status, url).toBe(400);
        expect(refused.json.message).toMatch(/internal address .*WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true/);
      }
      expect((await admin.call('GET', '/alert-settings')).json.webhooks).toEqual([]);
    });

    it('tell only admins why a test delivery failed', async () => {
      expect((await admin.call('PUT', '/alert-settings', { smtp: { host: null }, webhooks: [{ url: 'https://hooks.invalid/backtrac' }] })).status).toBe(200);
      const asAdmin = await admin.call('POST', '/alert-settings/test');
      expect(asAdmin.json.results).toEqual([expect.objectContaining({ channel: 'webhook', ok: false, error: expect.stringContaining('hooks.invalid') })]);
      const asOperator = await operator.call('POST', '/alert-settings/test');
      expect(asOperator.status).toBe(200);
      expect(asOperator.json.results).toEqual([{ channel: 'webhook', target: 'https://hooks.invalid/backtrac', ok: false, error: 'delivery failed (an admin can see why)' }]);
    });
  });

  describe('enrolment tokens', () => {
    it('live at most 7 days, can ask for approval, are listed without the token, and can be revoked', async () => {
      const tooLong = await admin.call('POST', `/clients/${clientId}/enrolment-tokens`, { ttlHours: 169 });
      expect(tooLong.status).toBe(400);
      expect(tooLong.json.message).toEqual(['ttlHours must not be greater than 168 (an enrolment token lives at most 7 days)']);
      const issued = await admin.call('POST', `/clients/${clientId}/enrolment-tokens`, { ttlHours: 168, requiresApproval: true });
      expect(issued.status).toBe(201);
      expect(issued.json.requiresApproval).toBe(true);

      const listed = await admin.call('GET', `/enrolment-tokens?clientId=${clientId}`);
      expect(listed.status).toBe(200);
      const row = (listed.json as Array<Record<string, unknown>>).find((t) => t.id === issued.json.id);
      expect(row).toMatchObject({ clientId, state: 'unused', requiresApproval: true, usedAt: null });
      expect(listed.text).not.toContain(issued.json.token);
      expect(listed.text).not.toContain('tokenHash');

      expect((await admin.call('DELETE', `/enrolment-tokens/${issued.json.id}`)).status).toBe(204);
      expect(((await admin.call('GET', '/enrolment-tokens')).json as Array<{ id: string }>).map((t) => t.id)).not.toContain(issued.json.id);
      const { rows } = await db.query('SELECT count(*)::int AS n FROM enrolment_tokens WHERE id = $1', [issued.json.id]);
      expect(rows[0].n).toBe(0);
      expect((await admin.call('DELETE', `/enrolment-tokens/${issued.json.id}`)).status).toBe(404);
    });
  });

  describe('sign-in limits', () => {
    const login = (password: string, from: string) =>
      fetch(`${stack.apiUrl}/api/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ email: stack.adminEmail, password }),
      });

    it('slows 1,000 wrong passwords to a handful of hash checks, says why, and the right one still works from elsewhere', async () => {
      const statuses = new Map<number, number>();
      let message = '';
      const started = Date.now();
      for (let batch = 0; batch < 20; batch++) {
        const answers = await Promise.all(Array.from({ length: 50 }, () => login('wrong-password-guess', '10.9.9.9')));
        for (const answer of answers) {
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const body = (await answer.json()) as { message: string };
          if (answer.status === 429) message = body.message;
        }
      }
      expect([...statuses.keys()].every((status) => [401, 429, 503].includes(status)), JSON.stringify([...statuses])).toBe(true);
      // Only answers 401 cost a password hash: 5 free tries, one per doubling wait (1 s, 2 s, 4 s,
      // ... while the flood lasts), and the other hashing slot's try.
      expect(statuses.get(401) ?? 0).toBeGreaterThanOrEqual(5);
      expect(statuses.get(401) ?? 0).toBeLessThanOrEqual(12);
      expect(statuses.get(429) ?? 0).toBeGreaterThan(900);
      expect(message).toMatch(/^Too many failed sign-ins for this account from your address; try again in \d+ s$/);
      expect(Date.now() - started).toBeLessThan(60_000);

      expect((await login(stack.adminPassword, '10.9.9.9')).status).toBe(429);
      const elsewhere = await login(stack.adminPassword, '10.9.9.8');
      expect(elsewhere.status).toBe(200);
    }, 120_000);
  });
});
