import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { AgentRepository } from '@backtrac/catalog';
import { request } from 'node:http';
import { Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuditLogEntry, Agent, BackupRun, CatalogModule, ChangeJournalEntry, Client, EnrolmentToken, Schedule, Share } from '@backtrac/catalog';
import { QueueModule, QueueName } from '@backtrac/queue';
import { AgentFault, AgentGatewayClient, deriveCallbackToken, journalSince, TransportFault, XmlRpcServer, type EnrollResult } from '@backtrac/xmlrpc';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '../../../../test/harness/index.js';
import { AgentRpcModule } from './agent-rpc.module.js';

const secretKey = randomBytes(32);
let db: TestDatabase;
let redis: TestRedis;
let app: INestMicroservice;
let server: XmlRpcServer;
let url: string;
let ds: DataSource;
let client: Client;
let otherClient: Client;

async function makeToken(clientId: string | null, expiresInMs = 3_600_000): Promise<string> {
  const token = randomBytes(16).toString('hex');
  await ds.getRepository(EnrolmentToken).insert({ tokenHash: createHash('sha256').update(token).digest(), clientId, expiresAt: new Date(Date.now() + expiresInMs) });
  return token;
}

function gateway(auth?: { agentId: string; secret: string }, localAddress?: string): AgentGatewayClient {
  return new AgentGatewayClient({ url, timeoutMs: 10_000, agentId: auth?.agentId, secret: auth?.secret, localAddress });
}

async function enrolNew(hostname = 'host-a'): Promise<EnrollResult> {
  return gateway().enroll(await makeToken(client.id), hostname, 'linux', '1.0.0', 'http://127.0.0.1:9999/RPC2');
}

beforeAll(async () => {
  db = await createTestDatabase();
  redis = createTestRedis();
  ds = db.dataSource;
  client = await ds.getRepository(Client).save({ name: 'alpha', hostname: 'alpha.local' });
  otherClient = await ds.getRepository(Client).save({ name: 'beta', hostname: 'beta.local' });
  await ds.getRepository(Share).insert([
    { clientId: client.id, name: 'data', url: 'file:///srv/data', excludes: ['*.tmp'], preHook: 'pg-dump', postHook: 'pg-dump-cleanup' },
    { clientId: client.id, name: 'docs', url: 'smb://alpha/docs' },
    { clientId: otherClient.id, name: 'secret', url: 'smb://beta/secret' },
  ]);
  await ds.getRepository(Schedule).insert({ name: 'nightly-alpha', clientId: client.id, cron: '0 2 * * *' });

  @Module({
    imports: [
      CatalogModule.forRoot({ databaseUrl: db.url, secretKey, applicationName: 'gateway-test' }),
      QueueModule.forRoot({ redisUrl: redis.url, prefix: redis.prefix }),
      AgentRpcModule.forRoot({ secretKey, allowUnsolicitedEnrolment: true, badAuthLimit: 3, badAuthWindowSeconds: 60 }),
    ],
  })
  class TestGatewayModule {}

  server = new XmlRpcServer({ port: 0, host: '127.0.0.1' });
  app = await NestFactory.createMicroservice(TestGatewayModule, { strategy: server, logger: false });
  await app.listen();
  url = `http://127.0.0.1:${server.address()?.port}/RPC2`;
});

afterAll(async () => {
  await app?.close();
  await redis?.cleanup();
  await db?.drop();
});

describe('agent.enroll', () => {
  it('enrols with a one-time token, stores only an argon2 hash, and refuses the token a second time', async () => {
    const token = await makeToken(client.id);
    const result = await gateway().enroll(token, 'host-a', 'linux', '1.0.0', 'http://127.0.0.1:9999/RPC2');
    expect(result).toMatchObject({ status: 'approved', clientId: client.id });
    expect(result.secret.length).toBeGreaterThanOrEqual(43);
    expect(result.callbackToken).toBe(deriveCallbackToken(secretKey, result.agentId));
    const row = await ds.getRepository(Agent).findOneByOrFail({ id: result.agentId });
    expect(row.secretHash).toMatch(/^\$argon2id\$/);
    expect(row.secretHash).not.toContain(result.secret);
    expect(row.callbackUrl).toBe('http://127.0.0.1:9999/RPC2');
    await expect(gateway().enroll(token, 'host-b', 'linux', '1.0.0', '')).rejects.toMatchObject({ faultCode: AgentFault.TOKEN_INVALID, code: 'TOKEN_INVALID' });
    const audit = await ds.getRepository(AuditLogEntry).findBy({ action: 'agent.enrolled' });
    expect(audit.map((a) => a.actor)).toContain(`agent:${result.agentId}`);
  });

  it('refuses expired tokens, bad hostnames and bad callback URLs', async () => {
    await expect(gateway().enroll(await makeToken(client.id, -1000), 'h', 'linux', '1', '')).rejects.toMatchObject({ faultCode: AgentFault.TOKEN_INVALID });
    await expect(gateway().enroll(await makeToken(client.id), '../etc', 'linux', '1', '')).rejects.toMatchObject({ faultCode: AgentFault.BAD_REQUEST });
    await expect(gateway().enroll(await makeToken(client.id), 'h', 'linux', '1', 'file:///etc/passwd')).rejects.toMatchObject({ faultCode: AgentFault.BAD_REQUEST });
  });

  it('leaves an agent pending when its token asks for approval; a token older than 7 days never enrols', async () => {
    const token = randomBytes(16).toString('hex');
    await ds.getRepository(EnrolmentToken).insert({ tokenHash: createHash('sha256').update(token).digest(), clientId: client.id, expiresAt: new Date(Date.now() + 600_000), requiresApproval: true });
    const pending = await gateway().enroll(token, 'host-approval', 'linux', '1.0.0', '');
    expect(pending).toMatchObject({ status: 'pending', clientId: client.id });
    expect((await ds.getRepository(Agent).findOneByOrFail({ id: pending.agentId })).status).toBe('pending');

    const old = randomBytes(16).toString('hex');
    await ds.getRepository(EnrolmentToken).insert({
      tokenHash: createHash('sha256').update(old).digest(), clientId: client.id, createdAt: new Date(Date.now() - 8 * 24 * 3600_000), expiresAt: new Date(Date.now() + 30 * 24 * 3600_000),
    });
    // Checked on the repository itself: a failed enrolment here would count against this address's limit.
    expect(await app.get(AgentRepository).claimToken(createHash('sha256').update(old).digest(), new Date())).toBeNull();
    const [row] = await ds.query('SELECT used_at FROM enrolment_tokens WHERE token_hash = $1', [createHash('sha256').update(old).digest()]);
    expect(row.used_at).toBeNull();
  });

  it('creates a client named after the host for a token without one', async () => {
    const result = await gateway().enroll(await makeToken(null), 'fresh-host', 'windows', '1.0.0', '');
    const created = await ds.getRepository(Client).findOneByOrFail({ id: result.clientId ?? '' });
    expect(created.name).toBe('fresh-host');
  });

  it('accepts unsolicited enrolment as pending: heartbeat works, config waits for approval', async () => {
    const pending = await gateway().enroll('', 'walk-in', 'linux', '1.0.0', '');
    expect(pending).toMatchObject({ status: 'pending', clientId: null });
    const gw = gateway(pending);
    expect(await gw.heartbeat()).toMatchObject({ status: 'pending', configVersion: '' });
    await expect(gw.getConfig()).rejects.toMatchObject({ faultCode: AgentFault.AGENT_PENDING, code: 'AGENT_PENDING' });
    await expect(gw.requestBackup('data')).rejects.toMatchObject({ faultCode: AgentFault.AGENT_PENDING });
  });

  it('limits unsolicited enrolments per address', async () => {
    const walkIns = gateway(undefined, '127.0.0.4');
    // badAuthLimit is 3 in this module.
    for (let i = 0; i < 3; i++) await expect(walkIns.enroll('', `spam-${i}`, 'linux', '1', '')).resolves.toMatchObject({ status: 'pending' });
    await expect(walkIns.enroll('', 'spam-3', 'linux', '1', '')).rejects.toMatchObject({ faultCode: AgentFault.RATE_LIMITED });
    await expect(walkIns.enroll('', 'spam-4', 'linux', '1', '')).rejects.toMatchObject({ faultCode: AgentFault.RATE_LIMITED });
    expect(await ds.getRepository(Agent).countBy({ lastAddress: '127.0.0.4' })).toBe(3);
    expect(await ds.getRepository(AuditLogEntry).countBy({ action: 'agent.enrol_rate_limited', address: '127.0.0.4' })).toBe(1);
  });
});

describe('authenticated methods', () => {
  it('heartbeat marks the agent online and records address and version', async () => {
    const agent = await enrolNew();
    // A probe (backtrac-agent status) checks credentials without marking the agent online.
    expect(await gateway(agent).heartbeat({ probe: true })).toMatchObject({ status: 'approved' });
    expect((await ds.getRepository(Agent).findOneByOrFail({ id: agent.agentId })).lastHeartbeatAt).toBeNull();
    const before = Date.now();
    const beat = await gateway(agent).heartbeat({ version: '1.0.1', callbackUrl: 'http://127.0.0.1:9998/RPC2' });
    expect(beat.status).toBe('approved');
    expect(beat.configVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(beat.serverTime).toBeInstanceOf(Date);
    const row = await ds.getRepository(Agent).findOneByOrFail({ id: agent.agentId });
    expect(row.lastHeartbeatAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row).toMatchObject({ lastAddress: '127.0.0.1', version: '1.0.1', callbackUrl: 'http://127.0.0.1:9998/RPC2' });

    // A routine beat of an online agent is written by the batched flush within about a second.
    await new Promise((r) => setTimeout(r, 50));
    const firstStored = row.lastHeartbeatAt?.getTime() ?? 0;
    const second = await gateway(agent).heartbeat({ version: '1.0.1' });
    const deadline = Date.now() + 5_000;
    let stored = firstStored;
    while (stored === firstStored && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      stored = (await ds.getRepository(Agent).findOneByOrFail({ id: agent.agentId })).lastHeartbeatAt?.getTime() ?? 0;
    }
    // serverTime travels as dateTime.iso8601, which has whole seconds.
    expect(stored).toBeGreaterThan(firstStored);
    expect(Math.floor(stored / 1000) * 1000).toBe(second.serverTime.getTime());
  });

  it('getConfig returns only the own client: shares, excludes, commands, schedules', async () => {
    const agent = await enrolNew();
    const config = await gateway(agent).getConfig();
    expect(config).toMatchObject({ agentId: agent.agentId, clientId: client.id, clientName: 'alpha', heartbeatSeconds: 30 });
    expect(config.shares.map((s) => s.name)).toEqual(['data', 'docs']);
    expect(config.shares[0]).toMatchObject({ localPath: '/srv/data', excludes: ['*.tmp'], preHook: 'pg-dump', postHook: 'pg-dump-cleanup' });
    expect(config.shares[1]?.localPath).toBe('');
    expect(config.schedules).toEqual([{ name: 'nightly-alpha', cron: '0 2 * * *', timezone: 'UTC', windowStart: null, windowEnd: null }]);
    expect((await gateway(agent).heartbeat()).configVersion).toBe(config.configVersion);
  });

  it('rejects missing, malformed and wrong credentials, and revoked agents', async () => {
    const agent = await enrolNew();
    const other = '127.0.0.3';
    await expect(gateway(undefined, other).heartbeat()).rejects.toMatchObject({ faultCode: AgentFault.AUTH_REQUIRED });
    await expect(gateway({ agentId: agent.agentId, secret: 'wrong' }, other).heartbeat()).rejects.toMatchObject({ faultCode: AgentFault.AUTH_FAILED, code: 'AUTH_FAILED' });
    await ds.getRepository(Agent).update({ id: agent.agentId }, { status: 'revoked' });
    // Rows are cached for 2 s (heartbeats refresh them in the background): revocation lands within that.
    const deadline = Date.now() + 10_000;
    let outcome: unknown;
    while (Date.now() < deadline) {
      outcome = await gateway(agent, other).heartbeat().catch((e: unknown) => e);
      if ((outcome as { faultCode?: number }).faultCode === AgentFault.AGENT_REVOKED) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(outcome).toMatchObject({ faultCode: AgentFault.AGENT_REVOKED });
    await expect(gateway(agent, other).getConfig()).rejects.toMatchObject({ faultCode: AgentFault.AGENT_REVOKED });
    const failures = await ds.getRepository(AuditLogEntry).findBy({ action: 'agent.auth_failed', address: other });
    expect(failures).toHaveLength(1);
    expect(failures[0]?.target).toBe(`agent:${agent.agentId}`);
    expect(JSON.stringify(failures)).not.toContain(agent.secret);
  });

  it('rate limits repeated bad secrets, locking only the failing pair, and logs the lockout', async () => {
    const agent = await enrolNew();
    const attacker = '127.0.0.2';
    const unknown = gateway({ agentId: '00000000-0000-0000-0000-000000000000', secret: 'guess' }, attacker);
    for (let i = 0; i < 3; i++) await expect(unknown.heartbeat()).rejects.toMatchObject({ faultCode: AgentFault.AUTH_FAILED });
    await expect(unknown.heartbeat()).rejects.toMatchObject({ faultCode: AgentFault.RATE_LIMITED, code: 'RATE_LIMITED' });
    // Guessing the real agent's secret locks that agent for the attacker's address only.
    const guessing = gateway({ agentId: agent.agentId, secret: 'guess' }, '127.0.0.3');
    for (let i = 0; i < 3; i++) await expect(guessing.heartbeat()).rejects.toMatchObject({ faultCode: AgentFault.AUTH_FAILED });
    await expect(guessing.heartbeat()).rejects.toMatchObject({ faultCode: AgentFault.RATE_LIMITED });
    // The right secret still works, from its own address and even from the attacker's.
    await expect(gateway(agent).heartbeat()).resolves.toMatchObject({ status: 'approved' });
    await expect(gateway(agent, attacker).heartbeat()).resolves.toMatchObject({ status: 'approved' });
    const audit = ds.getRepository(AuditLogEntry);
    expect(await audit.countBy({ action: 'agent.auth_failed', address: attacker })).toBe(3);
    expect(await audit.countBy({ action: 'agent.auth_rate_limited', address: attacker })).toBe(1);
    expect(await audit.countBy({ action: 'agent.auth_rate_limited', address: '127.0.0.3' })).toBe(1);
  });

  it('reportChanges keeps a continuous journal, detects gaps and retries, and sees only own shares', async () => {
    const agent = await enrolNew();
    const gw = gateway(agent);
    const epoch = `${Date.now() - 60_000}-abcdef12`;
    const first = await gw.reportChanges('data', `${epoch}:0`, ['a.txt', 'dir/b.txt']);
    expect(first).toEqual({ cursor: `${epoch}:1`, accepted: 2, continuous: false });
    let row = await ds.getRepository(Agent).findOneByOrFail({ id: agent.agentId });
    expect(journalSince(row.journalEpoch ?? '')).toBe(Number(epoch.split('-')[0]));
    const firstEpoch = row.journalEpoch;

    expect(await gw.reportChanges('data', first.cursor, ['c.txt'])).toEqual({ cursor: `${epoch}:2`, accepted: 1, continuous: true });
    // The same report again (its answer was lost): acknowledged, not stored twice, no gap.
    expect(await gw.reportChanges('data', first.cursor, ['c.txt'])).toEqual({ cursor: `${epoch}:2`, accepted: 1, continuous: true });
    const entries = ds.getRepository(ChangeJournalEntry);
    expect((await entries.findBy({ agentId: agent.agentId })).map((e) => e.path).sort()).toEqual(['a.txt', 'c.txt', 'dir/b.txt']);
    expect(new Set((await entries.findBy({ agentId: agent.agentId })).map((e) => e.epoch))).toEqual(new Set([firstEpoch]));

    // A report that skips ahead means reports were lost: a gap starting now.
    const beforeGap = Date.now();
    expect(await gw.reportChanges('data', `${epoch}:7`, ['d.txt'])).toMatchObject({ cursor: `${epoch}:8`, continuous: false });
    row = await ds.getRepository(Agent).findOneByOrFail({ id: agent.agentId });
    expect(row.journalEpoch).not.toBe(firstEpoch);
    expect(journalSince(row.journalEpoch ?? '')).toBeGreaterThanOrEqual(beforeGap - 1000);

    await expect(gw.reportChanges('secret', `${epoch}:8`, ['x'])).rejects.toMatchObject({ faultCode: AgentFault.NOT_FOUND });
    await expect(gw.reportChanges('data', 'garbage', ['x'])).rejects.toMatchObject({ faultCode: AgentFault.BAD_REQUEST });
    await expect(gw.reportChanges('data', `${epoch}:8`, Array.from({ length: 10_001 }, (_, i) => `f${i}`))).rejects.toMatchObject({ faultCode: AgentFault.BAD_REQUEST });
    await expect(gw.call('agent.reportChanges', ['data', `${epoch}:8`, [1, 2]])).rejects.toMatchObject({ faultCode: AgentFault.BAD_REQUEST });
    await expect(gw.call('agent.reportChanges', ['data', `${epoch}:8`])).rejects.toMatchObject({ faultCode: TransportFault.INVALID_PARAMS });
  });

  it('heartbeat journal state: a new agent epoch replaces the stored one at once, an incomplete journal clears it', async () => {
    const agent = await enrolNew();
    const gw = gateway(agent);
    const agents = ds.getRepository(Agent);
    const start = Date.now() - 5_000;
    await gw.heartbeat({ journal: { epoch: `${start}-aaaaaa11`, complete: true } });
    let row = await agents.findOneByOrFail({ id: agent.agentId });
    expect(row.journalEpoch).toBe(`${start}.${start}-aaaaaa11`);
    expect(journalSince(row.journalEpoch ?? '')).toBe(start);
    // Reports of that epoch continue it; a heartbeat with the same epoch changes nothing.
    expect(await gw.reportChanges('data', `${start}-aaaaaa11:0`, ['x'])).toMatchObject({ cursor: `${start}-aaaaaa11:1` });
    await gw.heartbeat({ journal: { epoch: `${start}-aaaaaa11`, complete: true } });
    expect((await agents.findOneByOrFail({ id: agent.agentId })).journalEpoch).toBe(`${start}.${start}-aaaaaa11`);
    // Restarted agent: new epoch, recorded before it reports anything.
    const restart = Date.now();
    await gw.heartbeat({ journal: { epoch: `${restart}-bbbbbb22`, complete: true } });
    row = await agents.findOneByOrFail({ id: agent.agentId });
    expect(row.journalEpoch).toBe(`${restart}.${restart}-bbbbbb22`);
    // A share not watched: no journal at all.
    await gw.heartbeat({ journal: { epoch: `${restart}-bbbbbb22`, complete: false } });
    expect((await agents.findOneByOrFail({ id: agent.agentId })).journalEpoch).toBeNull();
    await expect(gw.heartbeat({ journal: { epoch: 'nope', complete: true } } as never)).rejects.toMatchObject({ faultCode: AgentFault.BAD_REQUEST });
  });

  it('requestBackup enqueues one job per client and jobStatus reads it; other clients stay invisible', async () => {
    const agent = await enrolNew();
    const gw = gateway(agent);
    const requested = await gw.requestBackup('data');
    expect(requested.jobId).toMatch(new RegExp(`^backup:${client.id}:`));
    expect(requested.state).toBe('queued');
    expect(await gw.requestBackup('docs')).toEqual(requested);
    const queue = new Queue(QueueName.Backup, { connection: { url: redis.url }, prefix: redis.prefix });
    try {
      const job = await queue.getJob(requested.jobId);
      expect(job?.data).toMatchObject({ clientId: client.id, runId: requested.runId, trigger: 'agent', full: false });
    } finally {
      await queue.close();
    }
    expect(await gw.jobStatus(requested.runId)).toMatchObject({ jobId: requested.jobId, runId: requested.runId, state: 'queued', mode: null, error: null });
    expect(await gw.jobStatus(requested.jobId)).toMatchObject({ runId: requested.runId });
    await expect(gw.requestBackup('secret')).rejects.toMatchObject({ faultCode: AgentFault.NOT_FOUND });

    const foreign = await ds.getRepository(BackupRun).save({ clientId: otherClient.id, jobId: `backup:${otherClient.id}:x`, trigger: 'manual' });
    await expect(gw.jobStatus(foreign.id)).rejects.toMatchObject({ faultCode: AgentFault.NOT_FOUND });
    await expect(gw.jobStatus(foreign.jobId)).rejects.toMatchObject({ faultCode: AgentFault.NOT_FOUND });
  });
});

describe('hostile input to the gateway', () => {
  it('answers a billion-laughs enrolment with a fault and keeps serving', async () => {
    const lol = ['<!ENTITY a "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`)].join('');
    const body = `<?xml version="1.0"?><!DOCTYPE methodCall [${lol}]><methodCall><methodName>agent.enroll</methodName><params><param><value>&j;</value></param></params></methodCall>`;
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'Content-Type': 'text/xml' } }, (res) => {
        let out = '';
        res.on('data', (d: Buffer) => (out += d.toString()));
        res.on('end', () => resolve(out));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(answer).toContain(`<int>${TransportFault.PARSE_ERROR}</int>`);
    expect(await gateway().call('system.listMethods', [])).toContain('agent.enroll');
  });
});

describe('interoperability with Python xmlrpc.client', () => {
  it('enrols, heartbeats, reads config and gets a fault, with the standard library only', async () => {
    const token = await makeToken(client.id);
    const script = `
import json, sys, xmlrpc.client
url, token = sys.argv[1], sys.argv[2]
anon = xmlrpc.client.ServerProxy(url)
out = {"methods": anon.system.listMethods()}
e = anon.agent.enroll(token, "py-host", "linux", "3.x", "")
out["status"] = e["status"]
authed = xmlrpc.client.ServerProxy(url.replace("http://", "http://%s:%s@" % (e["agentId"], e["secret"])), allow_none=True)
hb = authed.agent.heartbeat()
out["heartbeat"] = [hb["status"], type(hb["serverTime"]).__name__]
cfg = authed.agent.getConfig()
out["shares"] = [s["name"] for s in cfg["shares"]]
try:
    anon.agent.enroll(token, "py-host", "linux", "3.x", "")
except xmlrpc.client.Fault as f:
    out["fault"] = [f.faultCode, f.faultString]
try:
    anon.agent.getConfig()
except xmlrpc.client.Fault as f:
    out["noauth"] = f.faultCode
print(json.dumps(out))
`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('python3', ['-c', script, url, token], { timeout: 30_000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
    });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.methods).toEqual(expect.arrayContaining(['agent.enroll', 'agent.heartbeat', 'agent.getConfig', 'agent.reportChanges', 'agent.requestBackup', 'agent.jobStatus', 'system.listMethods']));
    expect(out.status).toBe('approved');
    expect(out.heartbeat).toEqual(['approved', 'DateTime']);
    expect(out.shares).toEqual(['data', 'docs']);
    expect(out.fault).toEqual([AgentFault.TOKEN_INVALID, 'enrolment token unknown, used or expired']);
    expect(out.noauth).toBe(AgentFault.AUTH_REQUIRED);
  });
});
