import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../harness/api-client.js';
import { type Stack, startStack } from '../harness/services.js';

describe('agents api (real process, real Postgres)', () => {
  let stack: Stack;
  let api: ApiClient;
  let db: pg.Client;
  let clientId: string;

  beforeAll(async () => {
    stack = await startStack({ services: ['api'], env: { AGENT_HEARTBEAT_SECONDS: '5' } });
    api = new ApiClient(stack.apiUrl);
    expect((await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword })).status).toBe(200);
    db = new pg.Client({ connectionString: stack.env.DATABASE_URL });
    await db.connect();
    clientId = (await api.call('POST', '/clients', { name: 'ws-agent', hostname: 'ws-agent.lan' })).json.id;
  });
  afterAll(async () => {
    await db?.end();
    await stack?.stop();
  });

  it('issues a one-time enrolment token, stores only its SHA-256, and returns it once', async () => {
    const before = Date.now();
    const issued = await api.call('POST', `/clients/${clientId}/enrolment-tokens`, { ttlHours: 2 });
    expect(issued.status).toBe(201);
    expect(issued.json).toMatchObject({ clientId, token: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    expect(issued.json.command).toContain(`--token ${issued.json.token}`);
    const expires = new Date(issued.json.expiresAt).getTime();
    expect(expires - before).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(expires - before).toBeLessThan(2 * 3600_000 + 60_000);
    const rows = (await db.query('SELECT token_hash, used_at FROM enrolment_tokens WHERE id = $1', [issued.json.id])).rows;
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0].token_hash).equals(createHash('sha256').update(issued.json.token).digest())).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(issued.json.token);
    const again = await api.call('POST', `/clients/${clientId}/enrolment-tokens`, {});
    expect(again.status).toBe(201);
    expect(again.json.token).not.toBe(issued.json.token);
  });

  it('answers bad input with 400 and unknown ids with 404, never 500', async () => {
    expect((await api.call('POST', `/clients/not-a-uuid/enrolment-tokens`, {})).status).toBe(400);
    expect((await api.call('POST', `/clients/${clientId}/enrolment-tokens`, { ttlHours: 0 })).status).toBe(400);
    expect((await api.call('POST', `/clients/${clientId}/enrolment-tokens`, { ttlHours: 'soon' })).status).toBe(400);
    expect((await api.call('POST', `/clients/00000000-0000-4000-8000-000000000000/enrolment-tokens`, {})).status).toBe(404);
    expect((await api.call('POST', '/agents/00000000-0000-4000-8000-000000000000/approve', { clientId })).status).toBe(404);
    expect((await api.call('POST', '/agents/nope/approve', { clientId })).status).toBe(400);
    expect((await api.call('POST', '/agents/00000000-0000-4000-8000-000000000000/revoke')).status).toBe(404);
  });

  it('lists agents with their online state, approves a pending one and revokes it', async () => {
    const { rows } = await db.query(
      `INSERT INTO agents (hostname, os, version, secret_hash, status, last_heartbeat_at, callback_url) VALUES ('ws-agent', 'linux', '1.0.0', 'x', 'pending', now(), 'http://127.0.0.1:1/RPC2'), ('old', 'linux', '1.0.0', 'x', 'approved', now() - interval '1 hour', NULL) RETURNING id`,
    );
    const [fresh, stale] = rows.map((r) => r.id as string);
    await db.query('UPDATE agents SET client_id = $1 WHERE id = $2', [clientId, stale]);
    const listed = await api.call('GET', '/agents');
    expect(listed.status).toBe(200);
    const byId = new Map<string, any>(listed.json.map((a: any) => [a.id, a]));
    expect(byId.get(fresh)).toMatchObject({ status: 'pending', online: false, clientId: null, hostname: 'ws-agent' });
    expect(byId.get(stale)).toMatchObject({ status: 'approved', online: false, clientId });

    expect((await api.call('POST', `/agents/${fresh}/approve`, {})).status).toBe(400);
    expect((await api.call('POST', `/agents/${fresh}/approve`, { clientId: '00000000-0000-4000-8000-000000000000' })).status).toBe(400);
    const approved = await api.call('POST', `/agents/${fresh}/approve`, { clientId });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ id: fresh, status: 'approved', clientId, online: true });

    const revoked = await api.call('POST', `/agents/${fresh}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ status: 'revoked', online: false });
    expect((await api.call('POST', `/agents/${fresh}/approve`, { clientId })).status).toBe(409);
    const audit = (await db.query(`SELECT action FROM audit_log WHERE target = $1 ORDER BY id`, [`agent:${fresh}`])).rows.map((r) => r.action);
    expect(audit).toEqual(['agent.approved', 'agent.revoked']);
  });
});
