import 'reflect-metadata';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Agent, CatalogModule, ChangeJournalEntry, Client, EnrolmentToken, Share } from '@backtrac/catalog';
import { QueueModule } from '@backtrac/queue';
import { AgentCallbackClient, deriveCallbackToken, journalSince, XmlRpcServer } from '@backtrac/xmlrpc';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '../../../test/harness/index.js';
import { AgentRpcModule } from '../../agent-gateway/src/rpc/agent-rpc.module.js';
import { isAgentOnline } from '../../agent-gateway/src/rpc/agent-rpc.options.js';

// The real agent program (compiled, as installed) against the real gateway RPC module.
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const agentMain = join(root, 'services/agent/dist/main.js');
const secretKey = randomBytes(32);

let db: TestDatabase;
let redis: TestRedis;
let app: INestMicroservice;
let ds: DataSource;
let url: string;
let dir: string;
const children = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

function runAgent(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((ok) => {
    execFile(process.execPath, [agentMain, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      ok({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

function startAgent(configPath: string): ChildProcess {
  const child = spawn(process.execPath, [agentMain, 'run', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  // Compile the agent as it would be installed (incremental: fast when nothing changed).
  await new Promise<void>((ok, fail) => {
    execFile(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'services/agent')], { cwd: root, timeout: 240_000 }, (error, stdout) =>
      error ? fail(new Error(`tsc -b services/agent failed:\n${stdout}`)) : ok(),
    );
  });
  dir = await mkdtemp(join(tmpdir(), 'bt-agent-proc-'));
  // sub/ exists before the agent starts: a file created in a brand-new directory can beat the
  // watch on it (the directory itself is still reported, see the journal contract).
  await mkdir(join(dir, 'data', 'sub'), { recursive: true });
  db = await createTestDatabase();
  redis = createTestRedis();
  ds = db.dataSource;

  @Module({
    imports: [
      CatalogModule.forRoot({ databaseUrl: db.url, secretKey, applicationName: 'agent-process-test' }),
      QueueModule.forRoot({ redisUrl: redis.url, prefix: redis.prefix }),
      AgentRpcModule.forRoot({ secretKey, allowUnsolicitedEnrolment: false, heartbeatSeconds: 1, commandTimeoutSeconds: 10 }),
    ],
  })
  class GatewayModule {}
  const server = new XmlRpcServer({ port: 0, host: '127.0.0.1' });
  app = await NestFactory.createMicroservice(GatewayModule, { strategy: server, logger: false });
  await app.listen();
  url = `http://127.0.0.1:${server.address()?.port}/RPC2`;
}, 300_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await app?.close();
  await redis?.cleanup();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('backtrac-agent as a process against the gateway', () => {
  it('enrols, goes online, reports changes, runs hooks for the gateway, and restarts with a new journal epoch', async () => {
    const client = await ds.getRepository(Client).save({ name: 'proc', hostname: 'proc.local' });
    await ds.getRepository(Share).insert({
      clientId: client.id,
      name: 'data',
      url: `file://${join(dir, 'data')}`,
      preHook: 'dump',
      postHook: 'cleanup',
    });
    const token = randomBytes(16).toString('hex');
    await ds.getRepository(EnrolmentToken).insert({ tokenHash: createHash('sha256').update(token).digest(), clientId: client.id, expiresAt: new Date(Date.now() + 600_000) });

    const configPath = join(dir, 'etc', 'agent.json');
    const statePath = join(dir, 'etc', 'agent.state.json');
    const port = await freePort();
    const enrolled = await runAgent(['enroll', '--server', url, '--token', token, '--listen', `127.0.0.1:${port}`, '--callback-url', `http://127.0.0.1:${port}/RPC2`, '--hostname', 'proc-host', '--config', configPath]);
    expect(enrolled.code, enrolled.out).toBe(0);
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(await readFile(configPath, 'utf8')) as { agentId: string; reportSeconds?: number };
    const hooks = { dump: { command: 'echo dumped > .dump && echo pre-ok' }, cleanup: { command: 'rm .dump && echo post-ok' } };
    await writeFile(configPath, JSON.stringify({ ...file, reportSeconds: 0.3, hooks }), { mode: 0o600 });

    let agentProc = startAgent(configPath);
    const online = await until('agent online', async () => {
      const row = await ds.getRepository(Agent).findOneBy({ id: file.agentId });
      return row && isAgentOnline(row.lastHeartbeatAt, 1) ? row : null;
    });
    expect(online).toMatchObject({ status: 'approved', clientId: client.id, hostname: 'proc-host', callbackUrl: `http://127.0.0.1:${port}/RPC2` });

    // The agent's state file says when its watcher is up (it is rewritten on every heartbeat).
    const watching = (pid: number | undefined) =>
      until(`agent ${pid} watching`, async () => {
        const state = JSON.parse(await readFile(statePath, 'utf8').catch(() => '{}')) as { pid?: number; watched?: string[] };
        return state.pid === pid && (state.watched ?? []).includes('data');
      });
    await watching(agentProc.pid);
    await writeFile(join(dir, 'data', 'one.txt'), '1');
    await writeFile(join(dir, 'data', 'sub', 'two.txt'), '2');
    const entries = ds.getRepository(ChangeJournalEntry);
    await until('journal entries', async () => {
      const paths = (await entries.findBy({ agentId: file.agentId })).map((e) => e.path);
      return paths.includes('one.txt') && paths.includes('sub/two.txt');
    });
    const firstEpoch = (await ds.getRepository(Agent).findOneByOrFail({ id: file.agentId })).journalEpoch ?? '';

    // The server side calls the hooks with the derived callback token.
    const cb = new AgentCallbackClient({ url: online.callbackUrl ?? '', callbackToken: deriveCallbackToken(secretKey, file.agentId), timeoutMs: 20_000 });
    const pre = await cb.prepare({ jobId: 'job-1', share: 'data' });
    expect(pre).toMatchObject({ ok: true, exitCode: 0 });
    expect(pre.output).toContain('pre-ok');
    expect(await readFile(join(dir, 'data', '.dump'), 'utf8')).toBe('dumped\n');
    const post = await cb.release({ jobId: 'job-1', share: 'data' });
    expect(post).toMatchObject({ ok: true });
    expect(post.output).toContain('post-ok');

    // Killed and restarted: the journal continues under a new epoch, so the next backup walks once.
    const stoppedAt = Date.now();
    agentProc.kill('SIGTERM');
    await until('agent exit', async () => agentProc.exitCode !== null || agentProc.signalCode !== null);
    expect(agentProc.exitCode).toBe(0);
    agentProc = startAgent(configPath);
    await watching(agentProc.pid);
    await writeFile(join(dir, 'data', 'three.txt'), '3');
    const row = await until('report after restart', async () => {
      const r = await ds.getRepository(Agent).findOneByOrFail({ id: file.agentId });
      return r.journalEpoch !== firstEpoch && (await entries.findBy({ agentId: file.agentId, path: 'three.txt' })).length > 0 ? r : null;
    });
    expect(journalSince(row.journalEpoch ?? '')).toBeGreaterThanOrEqual(stoppedAt);
    expect(journalSince(firstEpoch)).toBeLessThan(stoppedAt);

    const status = await runAgent(['status', '--config', configPath]);
    expect(status.code, status.out).toBe(0);
    expect(status.out).toContain('this agent is approved');
    agentProc.kill('SIGTERM');
    await until('agent exit', async () => agentProc.exitCode !== null || agentProc.signalCode !== null);
  });
});
