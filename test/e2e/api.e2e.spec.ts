import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../harness/api-client.js';
import { repoRoot, type Stack, startStack } from '../harness/services.js';

describe('api (real process, real Postgres and Redis)', () => {
  let stack: Stack;
  let api: ApiClient;

  beforeAll(async () => {
    stack = await startStack({ services: ['api'] });
    api = new ApiClient(stack.apiUrl);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers health and readiness without a session', async () => {
    expect((await fetch(`${stack.apiUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.apiUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('refuses everything but login without a session', async () => {
    const anonymous = new ApiClient(stack.apiUrl);
    for (const path of ['/clients', '/schedules', '/retention-policies', '/auth/me']) {
      const { status, json } = await anonymous.call('GET', path);
      expect(status, path).toBe(401);
      expect(json.message).toBe('Not logged in');
    }
  });

  it('says so when the password is wrong, and logs in with the right one', async () => {
    const wrong = await api.call('POST', '/auth/login', { email: stack.adminEmail, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.message).toBe('Invalid email or password');
    const unknown = await api.call('POST', '/auth/login', { email: 'nobody@backtrac.test', password: 'x' });
    expect(unknown.status).toBe(401);
    const right = await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword });
    expect(right.status).toBe(200);
    expect(right.json).toMatchObject({ email: stack.adminEmail, role: 'admin' });
    expect((await api.call('GET', '/auth/me')).json.email).toBe(stack.adminEmail);
  });

  it('creates a client with a share and never returns or logs the share password', async () => {
    const password = 'S3cret-share-pa55word';
    const client = await api.call('POST', '/clients', { name: 'ws-01', hostname: 'ws-01.lan', description: 'front desk' });
    expect(client.status).toBe(201);
    const share = await api.call('POST', `/clients/${client.json.id}/shares`, {
      name: 'documents', url: 'smb://ws-01.lan/Users/alice', username: 'alice', password, excludes: ['*.tmp'],
    });
    expect(share.status).toBe(201);
    expect(share.json).toMatchObject({ name: 'documents', hasPassword: true, excludes: ['*.tmp'] });
    expect(share.text).not.toContain(password);

    const listed = await api.call('GET', `/clients/${client.json.id}/shares`);
    expect(listed.json).toHaveLength(1);
    expect(listed.text).not.toContain(password);
    expect(listed.json[0]).not.toHaveProperty('password');
    expect(listed.json[0]).not.toHaveProperty('passwordSealed');
    const read = await api.call('GET', `/shares/${share.json.id}`);
    expect(read.json).toMatchObject({ id: share.json.id, clientId: client.json.id, hasPassword: true });

    const db = new pg.Client({ connectionString: stack.env.DATABASE_URL });
    await db.connect();
    const { rows } = await db.query('SELECT password_sealed FROM shares WHERE id = $1', [share.json.id]);
    await db.end();
    expect(rows[0].password_sealed).toMatch(/^v1:/);
    expect(rows[0].password_sealed).not.toContain(password);
    expect(stack.services[0]!.output()).not.toContain(password);

    const cleared = await api.call('PATCH', `/shares/${share.json.id}`, { password: '' });
    expect(cleared.json.hasPassword).toBe(false);
  });

  it('manages schedules and retention policies', async () => {
    const policy = await api.call('POST', '/retention-policies', { name: 'office', keepDaily: 7, keepWeekly: 4, keepMonthly: 12 });
    expect(policy.status).toBe(201);
    const schedule = await api.call('POST', '/schedules', {
      name: 'nightly', cron: '0 22 * * *', timezone: 'Europe/Berlin', windowStart: '22:00', windowEnd: '06:00', retentionPolicyId: policy.json.id,
    });
    expect(schedule.status).toBe(201);
    expect(schedule.json).toMatchObject({ cron: '0 22 * * *', windowStart: '22:00', windowEnd: '06:00', enabled: true, retentionPolicyId: policy.json.id });
    const patched = await api.call('PATCH', `/schedules/${schedule.json.id}`, { enabled: false });
    expect(patched.json.enabled).toBe(false);
    expect((await api.call('GET', '/schedules')).json).toHaveLength(1);
    expect((await api.call('DELETE', `/schedules/${schedule.json.id}`)).status).toBe(204);
    expect((await api.call('GET', `/schedules/${schedule.json.id}`)).status).toBe(404);
  });

  it('answers bad input on every endpoint with a 4xx and a message, never a 500', async () => {
    const client = (await api.call('POST', '/clients', { name: 'ws-02', hostname: 'ws-02' })).json;
    const missing = '00000000-0000-4000-8000-000000000000';
    const cases: Array<[string, string, unknown, number, RegExp, string?]> = [
      ['POST', '/auth/login', { email: 'not-an-email', password: 'x' }, 400, /email must be an email/],
      ['POST', '/auth/login', undefined, 400, /JSON/, '{"email": '],
      ['POST', '/clients', {}, 400, /name/],
      ['POST', '/clients', { name: '../evil', hostname: 'h' }, 400, /name may contain only/],
      ['POST', '/clients', { name: 'x', hostname: 'h', isAdmin: true }, 400, /property isAdmin should not exist/],
      ['POST', '/clients', { name: 'ws-02', hostname: 'h' }, 409, /Already exists: name ws-02/],
      ['POST', '/clients', { name: 12, hostname: ['h'] }, 400, /name must be a string/],
      ['GET', '/clients/not-a-uuid', undefined, 400, /uuid is expected/],
      ['GET', `/clients/${missing}`, undefined, 404, /does not exist/],
      ['PATCH', `/clients/${missing}`, { description: 'x' }, 404, /does not exist/],
      ['PATCH', `/clients/${client.id}`, { enabled: 'yes' }, 400, /enabled must be a boolean/],
      ['DELETE', `/clients/${missing}`, undefined, 404, /does not exist/],
      ['POST', `/clients/${client.id}/shares`, { name: 's', url: 'http://example.com/x' }, 400, /url must be smb:\/\//],
      ['POST', `/clients/${client.id}/shares`, { name: 's', url: 'smb://bob:pw@host/share' }, 400, /without user, password/],
      ['POST', `/clients/${client.id}/shares`, { name: 's', url: 'smb://host/share', excludes: 'all' }, 400, /excludes must be an array/],
      // The server names client-side hooks; it can no longer hand an agent a command to run.
      ['POST', `/clients/${client.id}/shares`, { name: 's', url: 'smb://host/share', preCommand: 'id > /tmp/pwned' }, 400, /property preCommand should not exist/],
      ['POST', `/clients/${client.id}/shares`, { name: 's', url: 'smb://host/share', preHook: 'rm -rf /' }, 400, /preHook must be the name of a hook declared in the client's agent configuration/],
      ['POST', `/clients/${client.id}/shares`, { name: 's', url: 'smb://host/share', postHook: 'x'.repeat(65) }, 400, /postHook must be the name of a hook/],
      // No FILE_SHARE_ROOTS in this stack: file:// shares are off, even for the admin.
      ['POST', `/clients/${client.id}/shares`, { name: 's', url: 'file:///srv/data' }, 400, /not under a directory listed in FILE_SHARE_ROOTS \(none is configured, so file:\/\/ shares are disabled\)/],
      ['POST', `/clients/${missing}/shares`, { name: 's', url: 'smb://host/share' }, 404, /Client .* does not exist/],
      ['GET', '/shares/123', undefined, 400, /uuid is expected/],
      ['POST', '/schedules', { name: 'bad', cron: 'every night' }, 400, /cron must be a cron expression/],
      ['POST', '/schedules', { name: 'bad', cron: '0 1 * * *', timezone: 'Mars/Olympus' }, 400, /timezone must be an IANA time zone/],
      ['POST', '/schedules', { name: 'bad', cron: '0 1 * * *', windowStart: '25:00', windowEnd: '01:00' }, 400, /windowStart must be a time of day/],
      ['POST', '/schedules', { name: 'bad', cron: '0 1 * * *', windowStart: '22:00' }, 400, /must be set together/],
      ['POST', '/schedules', { name: 'bad', cron: '0 1 * * *', retentionPolicyId: missing }, 400, /Refers to something that does not exist/],
      ['POST', '/schedules', { name: 'bad', cron: '0 1 * * *', blackouts: [{ weekdays: [9], start: '8', end: '18:00' }] }, 400, /weekdays|start/],
      ['POST', '/retention-policies', { name: 'none' }, 400, /must keep something/],
      ['POST', '/retention-policies', { name: 'neg', keepLast: -1 }, 400, /keepLast must not be less than 0/],
    ];
    for (const [method, path, body, status, message, raw] of cases) {
      const response = await api.call(method, path, body, raw);
      const label = `${method} ${path} ${raw ?? JSON.stringify(body)}`;
      expect(response.status, label).toBe(status);
      expect(JSON.stringify(response.json.message), label).toMatch(message);
    }
  });

  it('publishes an OpenAPI document describing the endpoints, to signed-in users only', async () => {
    for (const path of ['/api/openapi.json', '/api/docs', '/api/docs/']) {
      const anonymous = await fetch(`${stack.apiUrl}${path}`, { redirect: 'manual' });
      expect(anonymous.status, path).toBe(401);
      expect(await anonymous.text(), path).not.toContain('/api/clients');
    }
    const document = await (await api.raw('/openapi.json')).json();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/clients', '/api/clients/{clientId}/shares', '/api/schedules', '/api/retention-policies']));
    expect(JSON.stringify(document.components.schemas.ShareDto)).not.toContain('passwordSealed');
  });

  it('matches the committed OpenAPI document the console client is generated from', async () => {
    const live = `${JSON.stringify(await (await api.raw('/openapi.json')).json(), null, 2)}\n`;
    const committedPath = `${repoRoot}services/api/openapi.json`;
    // UPDATE_OPENAPI=1 rewrites the file; then run `npm run generate:api -w frontend` and commit both.
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(committedPath, live);
    expect(live, 'services/api/openapi.json is stale: run UPDATE_OPENAPI=1 npx vitest run test/e2e/api').toBe(readFileSync(committedPath, 'utf8'));
  });

  it('ends the session on logout', async () => {
    expect((await api.call('POST', '/auth/logout')).status).toBe(204);
    expect((await api.call('GET', '/clients')).status).toBe(401);
  });
});
