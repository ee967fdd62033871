import type { AgentRepository } from '@backtrac/catalog';
import type { Agent, AuditLogRepository } from '@backtrac/catalog';
import { basicAuthHeader } from '@backtrac/xmlrpc';
import { describe, expect, it, vi } from 'vitest';
import { AgentAuthService } from './agent-auth.service.js';
import { resolveAgentRpcOptions } from './agent-rpc.options.js';
import { parseCursor } from './change-journal.service.js';

const ID = '0b7c2a4e-1111-4222-8333-944455556666';

async function setup() {
  const secret = AgentAuthService.newSecret();
  const agent = { id: ID, status: 'approved', secretHash: await AgentAuthService.hashSecret(secret) } as Agent;
  const agents = { findById: vi.fn(async (id: string) => (id === ID ? agent : null)) };
  const audit = { record: vi.fn(async () => undefined) };
  const options = resolveAgentRpcOptions({ secretKey: Buffer.alloc(32), allowUnsolicitedEnrolment: false, badAuthLimit: 2, badAuthWindowSeconds: 10 });
  const auth = new AgentAuthService(agents as unknown as AgentRepository, audit as unknown as AuditLogRepository, options);
  return { auth, agent, agents, audit, secret };
}

describe('AgentAuthService', () => {
  it('verifies the secret with argon2 once, then from its cache', async () => {
    const { auth, agents, secret } = await setup();
    await expect(auth.authenticate(basicAuthHeader(ID, secret), '10.0.0.1', 0)).resolves.toMatchObject({ id: ID });
    await expect(auth.authenticate(basicAuthHeader(ID, secret), '10.0.0.1', 5_000)).resolves.toMatchObject({ id: ID });
    await expect(auth.authenticate(basicAuthHeader(ID, 'nope'), '10.0.0.1', 5_001)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(agents.findById).toHaveBeenCalledTimes(2);
  });

  it('lets heartbeats use a row up to a minute old while it is re-read behind them', async () => {
    const { auth, agent, agents, secret } = await setup();
    const header = basicAuthHeader(ID, secret);
    await auth.authenticate(header, '10.0.0.1', 0);
    expect(agents.findById).toHaveBeenCalledTimes(1);
    let release: () => void = () => undefined;
    agents.findById.mockImplementationOnce(() => new Promise((r) => (release = () => r({ ...agent, status: 'revoked' } as Agent))));
    // 30 s later the database is slow: the heartbeat is answered from the cached row at once.
    await expect(auth.authenticate(header, '10.0.0.1', 30_000, { allowStale: true })).resolves.toMatchObject({ id: ID });
    expect(agents.findById).toHaveBeenCalledTimes(2);
    // The background read finds the agent revoked: the next heartbeat is refused.
    release();
    await new Promise((r) => setImmediate(r));
    await expect(auth.authenticate(header, '10.0.0.1', 30_001, { allowStale: true })).rejects.toMatchObject({ code: 'AGENT_REVOKED' });
  });

  it('locks only the failing (agent, address) pair, lets the window expire, and audits without the secret', async () => {
    const { auth, audit, secret } = await setup();
    const bad = basicAuthHeader(ID, 'guess');
    await expect(auth.authenticate(bad, '10.0.0.9', 0)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(auth.authenticate(bad, '10.0.0.9', 1)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(auth.authenticate(bad, '10.0.0.9', 2)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // Someone else's failures never lock out the agent's own secret from where the agent is.
    await expect(auth.authenticate(basicAuthHeader(ID, secret), '10.0.0.1', 3)).resolves.toMatchObject({ id: ID });
    // Verified once, the secret is accepted even from the locked pair; a guess there is still refused.
    await expect(auth.authenticate(basicAuthHeader(ID, secret), '10.0.0.9', 4)).resolves.toMatchObject({ id: ID });
    await expect(auth.authenticate(bad, '10.0.0.9', 5)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(auth.authenticate(bad, '10.0.0.9', 11_000)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const actions = audit.record.mock.calls.map((c) => (c as unknown as [{ action: string }])[0].action);
    expect(actions).toEqual(['agent.auth_failed', 'agent.auth_failed', 'agent.auth_rate_limited', 'agent.auth_failed']);
    expect(JSON.stringify(audit.record.mock.calls)).not.toContain(secret);
  });

  it('locks an address for unknown agent ids without locking a real agent there', async () => {
    const { auth, secret } = await setup();
    const unknown = basicAuthHeader('0b7c2a4e-0000-4222-8333-944455556666', 'guess');
    await expect(auth.authenticate(unknown, '10.0.0.7', 0)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(auth.authenticate(unknown, '10.0.0.7', 1)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(auth.authenticate(unknown, '10.0.0.7', 2)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(auth.authenticate(basicAuthHeader(ID, secret), '10.0.0.7', 3)).resolves.toMatchObject({ id: ID });
  });

  it('asks for credentials when there are none', async () => {
    const { auth } = await setup();
    await expect(auth.authenticate(undefined, '10.0.0.1')).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
    await expect(auth.authenticate('Bearer x', '10.0.0.1')).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
  });
});

describe('parseCursor', () => {
  it('accepts <ms>-<random>:<seq> and nothing else', () => {
    expect(parseCursor('1700000000000-abcdef:12')).toEqual({ agentEpoch: '1700000000000-abcdef', startedAtMs: 1700000000000, seq: 12 });
    for (const bad of ['', '1:2', '1700000000000-abc:1', '1700000000000-abcdef:-1', '1700000000000-abcdef:1:2']) {
      expect(() => parseCursor(bad)).toThrow();
    }
  });
});
