import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AgentCallbackClient,
  AgentFault,
  XmlRpcEndpoint,
  XmlRpcMethodRegistry,
  type AgentConfig,
  type XmlRpcValue,
} from '@backtrac/xmlrpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, statePathFor } from './agent-config.js';
import { AgentRunner, type AgentState } from './agent-runner.js';
import { Backoff } from './backoff.js';
import { main, type CliIo } from './cli.js';

/** A stand-in gateway speaking the agent protocol over real HTTP, recording every call. */
class FakeGateway {
  calls: Array<{ method: string; params: XmlRpcValue[]; auth: string | undefined }> = [];
  config!: AgentConfig;
  private endpoint: XmlRpcEndpoint | undefined;
  port = 0;
  private reportSeq = 0;

  private registry(): XmlRpcMethodRegistry {
    const r = new XmlRpcMethodRegistry();
    const record = (method: string, fn: (params: XmlRpcValue[]) => unknown) =>
      r.add(method, {}, (params, meta) => {
        this.calls.push({ method, params, auth: meta.request.headers.authorization });
        return fn(params);
      });
    record('agent.enroll', () => ({ agentId: '11111111-2222-3333-4444-555555555555', secret: 's3cret-s3cret', status: 'approved', callbackToken: 'cb-token', clientId: 'c1' }));
    record('agent.heartbeat', () => ({ status: 'approved', configVersion: this.config.configVersion, serverTime: new Date() }));
    record('agent.getConfig', () => this.config);
    record('agent.reportChanges', (p) => {
      const cursor = String(p[1]);
      const [epoch, seq] = cursor.split(':');
      this.reportSeq = Number(seq) + 1;
      return { cursor: `${epoch}:${this.reportSeq}`, accepted: (p[2] as string[]).length, continuous: true };
    });
    return r;
  }

  async start(port = 0): Promise<void> {
    this.endpoint = new XmlRpcEndpoint({ port, host: '127.0.0.1' }, this.registry());
    this.port = (await this.endpoint.listen()).port;
  }

  async stop(): Promise<void> {
    await this.endpoint?.close();
    this.endpoint = undefined;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/RPC2`;
  }

  of(method: string): Array<{ params: XmlRpcValue[]; auth: string | undefined }> {
    return this.calls.filter((c) => c.method === method);
  }
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function capture(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l), log: () => undefined, untilStopped: () => Promise.resolve() };
}

let dir: string;
const gw = new FakeGateway();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bt-agent-'));
  await mkdir(join(dir, 'data', 'sub'), { recursive: true });
  await mkdir(join(dir, 'slow'), { recursive: true });
  await mkdir(join(dir, 'pushed'), { recursive: true });
  await gw.start();
  gw.config = {
    agentId: '11111111-2222-3333-4444-555555555555',
    clientId: 'c1',
    clientName: 'alpha',
    configVersion: 'v1',
    heartbeatSeconds: 30,
    commandTimeoutSeconds: 1,
    schedules: [],
    shares: [
      { id: 's1', name: 'data', url: `file://${join(dir, 'data')}`, localPath: join(dir, 'data'), excludes: [], preHook: 'data-pre', postHook: 'data-post' },
      { id: 's2', name: 'slow', url: 'smb://x/slow', localPath: '', excludes: [], preHook: 'slow-pre', postHook: '' },
      // A server naming a hook the agent never declared (or trying to pass a command as one).
      { id: 's3', name: 'pushed', url: 'smb://x/pushed', localPath: '', excludes: [], preHook: 'rm -rf /', postHook: 'undeclared' },
    ],
  };
});

afterAll(async () => {
  await gw.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('backtrac-agent', () => {
  const configPath = () => join(dir, 'etc', 'agent.json');

  it('enroll talks to the gateway and writes a 0600 config file', async () => {
    const io = capture();
    const code = await main(['enroll', '--server', gw.url, '--token', 'tok-123', '--listen', '127.0.0.1:0', '--callback-url', 'http://127.0.0.1:1/RPC2', '--hostname', 'host-a', '--config', configPath()], io);
    expect(code, io.lines.join('\n')).toBe(0);
    expect(gw.of('agent.enroll')[0]?.params.slice(0, 2)).toEqual(['tok-123', 'host-a']);
    expect((await stat(configPath())).mode & 0o777).toBe(0o600);
    const file = await loadConfig(configPath());
    expect(file).toMatchObject({ server: gw.url, agentId: '11111111-2222-3333-4444-555555555555', secret: 's3cret-s3cret', callbackToken: 'cb-token', callbackListen: '127.0.0.1:0' });
    expect(await main(['bogus'], capture())).toBe(2);
    expect(await main(['enroll', '--token', 'x', '--config', configPath()], capture())).toBe(2);
  });

  it('hooks are declared in the config file, which must be owned by root (or the agent) and writable by nobody else', async () => {
    const declared = {
      'data-pre': { command: 'echo pre-$((1+1)); echo to-stderr >&2' },
      'data-post': { command: 'echo bye; exit 3' },
      'slow-pre': { command: 'sleep 30', timeoutSeconds: 1 },
    };
    const withHooks = { ...JSON.parse(await readFile(configPath(), 'utf8')), hooks: declared };
    await writeFile(configPath(), JSON.stringify(withHooks));
    expect((await loadConfig(configPath())).hooks).toEqual(declared);

    // Enrolling again keeps the hooks the admin declared.
    expect(await main(['enroll', '--server', gw.url, '--token', 'tok-456', '--listen', '127.0.0.1:0', '--callback-url', 'http://127.0.0.1:1/RPC2', '--hostname', 'host-a', '--config', configPath()], capture())).toBe(0);
    expect((await loadConfig(configPath())).hooks).toEqual(declared);

    await chmod(configPath(), 0o620);
    await expect(loadConfig(configPath())).rejects.toThrow(/writable by group or others \(mode 620\)/);
    const io = capture();
    expect(await main(['run', '--config', configPath()], io)).toBe(1);
    expect(io.lines.join('\n')).toContain('writable by group or others');
    await chmod(configPath(), 0o600);
    await chmod(join(dir, 'etc'), 0o777);
    await expect(loadConfig(configPath())).rejects.toThrow(/configuration folder is writable by group or others/);
    await chmod(join(dir, 'etc'), 0o700);
    const { uid, gid } = await stat(configPath());
    await chown(configPath(), 4321, gid);
    await expect(loadConfig(configPath())).rejects.toThrow(/owned by uid 4321; it must be owned by root/);
    await chown(configPath(), uid, gid);

    await writeFile(configPath(), JSON.stringify({ ...withHooks, hooks: { 'a b': { command: 'x' } } }), { mode: 0o600 });
    await expect(loadConfig(configPath())).rejects.toThrow(/hook name "a b" may use only/);
    await writeFile(configPath(), JSON.stringify({ ...withHooks, hooks: { dump: { command: '' } } }), { mode: 0o600 });
    await expect(loadConfig(configPath())).rejects.toThrow(/hook "dump" needs a non-empty "command"/);
    await writeFile(configPath(), JSON.stringify(withHooks), { mode: 0o600 });
  });

  it('run: heartbeats, loads config, watches, reports changes, serves callbacks, survives the gateway going away', async () => {
    const file = await loadConfig(configPath());
    // The slow share has no local path from the gateway; the config file supplies one.
    file.paths = { slow: join(dir, 'slow'), pushed: join(dir, 'pushed') };
    const runner = new AgentRunner(file, { statePath: statePathFor(configPath()), configPath: configPath(), log: () => undefined, heartbeatMs: 200, reportMs: 150, backoff: new Backoff(50, 300) });
    await runner.start();
    try {
      await until('watchers', () => runner.snapshot().watched.length === 3);
      expect(gw.of('agent.heartbeat')[0]?.auth).toBe(`Basic ${Buffer.from('11111111-2222-3333-4444-555555555555:s3cret-s3cret').toString('base64')}`);
      expect(gw.of('agent.getConfig').length).toBe(1);

      await writeFile(join(dir, 'data', 'a.txt'), 'a');
      await writeFile(join(dir, 'data', 'sub', 'b.txt'), 'b');
      // Files written into brand-new directories right away: inotify alone would miss most of them.
      for (let i = 0; i < 20; i++) {
        await mkdir(join(dir, 'data', `new${i}`, 'deeper'), { recursive: true });
        await writeFile(join(dir, 'data', `new${i}`, 'deeper', 'f.txt'), 'f');
      }
      const wanted = ['a.txt', 'sub/b.txt', ...Array.from({ length: 20 }, (_, i) => `new${i}/deeper/f.txt`)];
      const reported = await until('report of a.txt, sub/b.txt and the files in new directories', () => {
        const paths = new Set(gw.of('agent.reportChanges').flatMap((c) => c.params[2] as string[]));
        return wanted.every((p) => paths.has(p)) ? gw.of('agent.reportChanges') : undefined;
      });
      expect(reported[0]?.params[0]).toBe('data');
      expect(String(reported[0]?.params[1])).toMatch(/^\d{13}-[0-9a-f]{12}:0$/);
      const epoch = String(reported[0]?.params[1]).split(':')[0];

      // Gateway goes away; changes made meanwhile are kept and reported after it comes back.
      const port = gw.port;
      await gw.stop();
      await until('agent notices the outage', () => !runner.snapshot().online);
      await writeFile(join(dir, 'data', 'during-outage.txt'), 'x');
      await until('change kept while offline', () => runner.snapshot().journal.pending > 0);
      await new Promise((r) => setTimeout(r, 400)); // a few failed heartbeats with backoff
      const beatsBefore = gw.of('agent.heartbeat').length;
      await gw.start(port);
      await until('reconnect', () => runner.snapshot().online && gw.of('agent.heartbeat').length > beatsBefore);
      const late = await until('report after reconnect', () => gw.of('agent.reportChanges').find((c) => (c.params[2] as string[]).includes('during-outage.txt')));
      // Same epoch, next sequence number: the journal stayed continuous across the outage.
      expect(String(late.params[1]).split(':')[0]).toBe(epoch);
      expect(runner.snapshot().journal.gaps).toBe(0);

      // Callbacks: prepare/release with captured output, auth, unknown share, timeout.
      const cbAddr = runner.snapshot().callbackAddress ?? '';
      const cbUrl = `http://127.0.0.1:${cbAddr.split(':').pop()}/RPC2`;
      const cb = new AgentCallbackClient({ url: cbUrl, callbackToken: 'cb-token', timeoutMs: 20_000 });
      // prepare first delivers pending changes, and says which journal they belong to.
      await writeFile(join(dir, 'data', 'just-before-backup.txt'), 'x');
      const reportedPaths = (): string[] => gw.of('agent.reportChanges').flatMap((c) => c.params[2] as string[]);
      await until('change seen', () => runner.snapshot().journal.pending > 0 || reportedPaths().includes('just-before-backup.txt'));
      const pre = await cb.prepare({ jobId: 'job-1', share: 'data' });
      expect(pre).toMatchObject({ ok: true, exitCode: 0, timedOut: false, ran: true });
      expect(pre.journal).toEqual({ epoch, complete: true, flushed: true });
      // Delivered before prepare answered (a late duplicate event may be pending again; that is fine).
      expect(reportedPaths()).toContain('just-before-backup.txt');
      const beat = gw.of('agent.heartbeat').at(-1);
      expect((beat?.params[0] as { journal?: unknown }).journal).toEqual({ epoch, complete: true });
      expect(pre.output).toContain('pre-2');
      expect(pre.output).toContain('to-stderr');
      const post = await cb.release({ jobId: 'job-1', share: 'data' });
      expect(post).toMatchObject({ ok: false, exitCode: 3, ran: true });
      expect(post.output).toContain('bye');
      expect(await cb.release({ jobId: 'job-1', share: 'slow' })).toMatchObject({ ok: true, ran: false });
      const started = Date.now();
      const slowCall = cb.prepare({ jobId: 'job-2', share: 'slow' });
      await new Promise((r) => setTimeout(r, 200));
      await expect(cb.prepare({ jobId: 'job-3', share: 'slow' })).rejects.toMatchObject({ faultCode: AgentFault.BUSY, code: 'BUSY' });
      const slow = await slowCall;
      expect(slow).toMatchObject({ ok: false, timedOut: true, exitCode: null });
      expect(Date.now() - started).toBeLessThan(8_000);
      await expect(cb.prepare({ jobId: 'j', share: 'nope' })).rejects.toMatchObject({ faultCode: AgentFault.NOT_FOUND });
      // The server names hooks; a name the agent does not declare never runs, whatever it says.
      await expect(cb.prepare({ jobId: 'j', share: 'pushed' })).rejects.toMatchObject({ faultCode: AgentFault.HOOK_UNKNOWN, message: expect.stringContaining('hook "rm -rf /" is not declared') });
      await expect(cb.release({ jobId: 'j', share: 'pushed' })).rejects.toMatchObject({ faultCode: AgentFault.HOOK_UNKNOWN });
      const intruder = new AgentCallbackClient({ url: cbUrl, callbackToken: 'wrong', timeoutMs: 5_000 });
      await expect(intruder.prepare({ jobId: 'j', share: 'data' })).rejects.toMatchObject({ faultCode: AgentFault.AUTH_FAILED });
      expect(await cb.ping()).toBe('pong');

      // status reads the state file the runner keeps and checks the gateway.
      await until('state file', async () => {
        const s = JSON.parse(await readFile(statePathFor(configPath()), 'utf8').catch(() => '{}')) as Partial<AgentState>;
        return s.online === true && (s.watched?.length ?? 0) === 3;
      });
      const io = capture();
      expect(await main(['status', '--config', configPath()], io)).toBe(0);
      const text = io.lines.join('\n');
      expect(text).toContain('online');
      expect(text).toContain('gateway:  reachable; this agent is approved');
      expect((await stat(statePathFor(configPath()))).mode & 0o777).toBe(0o600);
    } finally {
      await runner.stop();
    }
    const io = capture();
    await gw.stop();
    expect(await main(['status', '--config', configPath()], io)).toBe(1);
    expect(io.lines.join('\n')).toContain('NOT reachable');
  });
});
