import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HardlinkStore, restoreSnapshot } from '@backtrac/store';
import { BackupDriver } from '../harness/backups.js';
import { type SambaServer, startSamba } from '../harness/samba.js';
import { agentMinimumNodeMajor, nodeBinary } from '../harness/node-versions.js';
import { freePort, repoRoot, type Stack, startStack } from '../harness/services.js';
import { compareTrees, readTree } from '../harness/trees.js';

const agentMain = `${repoRoot}services/agent/dist/main.js`;
// Clients keep older Node.js than the server: the agent runs here on the oldest it supports.
const agentNodeMajor = agentMinimumNodeMajor();
const agentNode = nodeBinary(agentNodeMajor);
const USER = 'agentuser';
const PASSWORD = 'Agent-pass-12';

async function until<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * The whole agent story with every part real: api, copy worker and gateway as processes, smbd
 * serving the client's shares, and the backtrac-agent program watching the shares' directories.
 */
describe('agent-assisted backups (real services, smbd, the real agent)', () => {
  let work: string;
  let docsDir: string;
  let dbDir: string;
  let samba: SambaServer;
  let stack: Stack;
  let driver: BackupDriver;
  let cookie = '';
  let clientId: string;
  let agentId: string;
  let configPath: string;
  let agent: ChildProcess | undefined;
  const children = new Set<ChildProcess>();

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const response = await fetch(`${stack.apiUrl}/api${path}`, {
      method, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) cookie = setCookie.split(';')[0]!;
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : null };
  };

  const startAgent = (): ChildProcess => {
    const child = spawn(agentNode, [agentMain, 'run', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.resume();
    child.stderr?.resume();
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };

  const stopAgent = async (child: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
    child.kill(signal);
    await until('agent exit', async () => child.exitCode !== null || child.signalCode !== null);
  };

  /** Online per the api, watching both shares, with a complete journal since `after`. */
  const agentReady = async (pid: number | undefined, previousEpoch?: string | null): Promise<void> => {
    await until('agent watching', async () => {
      const state = JSON.parse(await readFile(configPath.replace(/\.json$/, '.state.json'), 'utf8').catch(() => '{}')) as { pid?: number; watched?: string[] };
      return state.pid === pid && ['docs', 'db'].every((s) => (state.watched ?? []).includes(s));
    });
    await until('agent online with a journal', async () => {
      const listed = (await api('GET', '/agents')).json as { id: string; online: boolean; journal: boolean }[];
      const row = listed.find((a) => a.id === agentId);
      if (!row?.online || !row.journal) return false;
      if (previousEpoch === undefined) return true;
      return (await epoch()) !== previousEpoch;
    });
  };

  const epoch = async (): Promise<string | null> => (await driver.query<{ journal_epoch: string | null }>('SELECT journal_epoch FROM agents WHERE id = $1', [agentId]))[0]!.journal_epoch;

  const runLog = async (runId: string): Promise<string> =>
    (await driver.query<{ message: string }>('SELECT message FROM run_log_lines WHERE run_id = $1 ORDER BY at, id', [runId])).map((r) => r.message).join('\n');

  const backup = async () => {
    const runId = await driver.enqueue(clientId);
    const run = await driver.waitFinished(runId);
    const [{ mode }] = await driver.query<{ mode: string }>('SELECT mode FROM backup_runs WHERE id = $1', [runId]);
    // The run's last lines (the release hook's) are written just after its state.
    const log = await until('the release hook in the run log', async () => {
      const text = await runLog(runId);
      return text.includes('post-backup hook "db-done" of share db') ? text : null;
    }, 15_000);
    return { run, mode, log };
  };

  /** The changed paths reach the gateway before the backup that should see them. */
  const journalHas = (paths: string[]) =>
    until(`journal entries ${paths.join(', ')}`, async () => {
      const rows = await driver.query<{ path: string }>('SELECT path FROM change_journal_entries WHERE agent_id = $1', [agentId]);
      const seen = new Set(rows.map((r) => r.path));
      return paths.every((p) => seen.has(p));
    });

  const restoredMatches = async (seq: number): Promise<void> => {
    const store = await HardlinkStore.open(join(work, 'store'));
    const target = join(work, `restore-${seq}`);
    await restoreSnapshot(store, clientId, seq, target);
    expect(compareTrees(await readTree(docsDir), await readTree(join(target, 'docs'))), `docs in snapshot ${seq}`).toEqual([]);
    expect(compareTrees(await readTree(dbDir), await readTree(join(target, 'db'))), `db in snapshot ${seq}`).toEqual([]);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bt-agent-e2e-'));
    docsDir = join(work, 'docs');
    dbDir = join(work, 'db');
    for (let d = 0; d < 10; d++) {
      await mkdir(join(docsDir, `d${d}`), { recursive: true });
      for (let f = 0; f < 20; f++) await writeFile(join(docsDir, `d${d}`, `f${f}.txt`), `docs ${d}/${f}\n`.repeat(f + 1));
    }
    await mkdir(dbDir, { recursive: true });
    samba = await startSamba();
    await samba.addUser(USER, PASSWORD);
    await samba.addShare('docs', docsDir, { readOnly: true });
    await samba.addShare('db', dbDir, { readOnly: true });
    stack = await startStack({
      services: ['api', 'copy-worker', 'agent-gateway'],
      env: { STORE_ROOT: join(work, 'store'), AGENT_HEARTBEAT_SECONDS: '5', COPY_WORKER_CONCURRENCY: '1' },
    });
    driver = await new BackupDriver(stack.env).connect();
    expect((await api('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword })).status).toBe(200);
    clientId = (await api('POST', '/clients', { name: 'agent-pc', hostname: 'agent-pc.lan' })).json.id;
    const share = (name: string, extra: object) => api('POST', `/clients/${clientId}/shares`, { name, url: `smb://127.0.0.1:${samba.port}/${name}`, username: USER, password: PASSWORD, ...extra });
    expect((await share('docs', {})).status).toBe(201);
    // The server only names the hooks; their commands are declared in the agent's configuration.
    expect((await share('db', { preHook: 'db-dump', postHook: 'db-done' })).status).toBe(201);
  }, 240_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await driver?.close();
    await stack?.stop();
    await samba?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(`enrols with a token from the api and goes online (agent on Node ${agentNodeMajor})`, async () => {
    const version = await new Promise<string>((resolve, reject) => execFile(agentNode, ['-p', 'process.versions.node'], (err, out) => (err ? reject(err) : resolve(out.trim()))));
    expect(version.split('.')[0]).toBe(String(agentNodeMajor));
    const token = await api('POST', `/clients/${clientId}/enrolment-tokens`, {});
    expect(token.status).toBe(201);
    const gateway = stack.services.find((s) => s.name === 'agent-gateway')!.rpcUrl!;
    configPath = join(work, 'etc', 'agent.json');
    const port = await freePort();
    const enrolled = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(agentNode, [agentMain, 'enroll', '--server', gateway, '--token', token.json.token, '--listen', `127.0.0.1:${port}`, '--callback-url', `http://127.0.0.1:${port}/RPC2`, '--hostname', 'agent-pc', '--config', configPath], { timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, out: stdout + stderr }),
      );
    });
    expect(enrolled.code, enrolled.out).toBe(0);
    const config = JSON.parse(await readFile(configPath, 'utf8')) as { agentId: string };
    agentId = config.agentId;
    const hooks = {
      'db-dump': { command: 'echo "dump $(date +%s%N)" > dump.sql && echo pre-ok-$((40+2)) PGPASSWORD=hunter2' },
      'db-done': { command: 'echo post-ok-$((6*7))' },
    };
    await writeFile(configPath, JSON.stringify({ ...config, reportSeconds: 0.3, paths: { docs: docsDir, db: dbDir }, hooks }), { mode: 0o600 });
    agent = startAgent();
    await agentReady(agent.pid);
    const listed = (await api('GET', '/agents')).json as { id: string }[];
    expect(listed.find((a) => a.id === agentId)).toMatchObject({ status: 'approved', clientId, online: true, hostname: 'agent-pc', journal: true });
  });

  it('runs the hooks around the first backup (a full walk) and restores byte-identical', async () => {
    const { run, mode, log } = await backup();
    expect(run, log).toMatchObject({ state: 'succeeded', seq: 1 });
    expect(mode).toBe('walk');
    expect(log).toContain('mode: full walk (no previous snapshot)');
    expect(log).toContain('pre-backup hook "db-dump" of share db exited 0');
    expect(log).toContain('pre-ok-42 PGPASSWORD=[redacted]');
    expect(log).not.toContain('hunter2');
    expect(log).toContain('post-ok-42');
    expect(log.indexOf('pre-ok-42')).toBeLessThan(log.indexOf('snapshot 1 succeeded'));
    expect(log.indexOf('post-ok-42')).toBeGreaterThan(log.indexOf('snapshot 1 succeeded'));
    await restoredMatches(1);
  });

  it('reads only the changed directories after a few edits (journal mode)', async () => {
    await writeFile(join(docsDir, 'd1', 'f1.txt'), 'edited after the first backup, and longer');
    await writeFile(join(docsDir, 'd2', 'new.txt'), 'new file');
    await rm(join(docsDir, 'd3', 'f0.txt'));
    await mkdir(join(docsDir, 'dnew', 'deeper'), { recursive: true });
    await writeFile(join(docsDir, 'dnew', 'deeper', 'x.txt'), 'in a new directory');
    await journalHas(['d1/f1.txt', 'd2/new.txt', 'd3/f0.txt']);
    const { run, mode, log } = await backup();
    expect(run, log).toMatchObject({ state: 'succeeded', seq: 2, files_new: 2, files_changed: 2 });
    expect(mode, log).toBe('journal');
    expect(log).toMatch(/mode: journal \(the agent's journal is continuous since snapshot 1 started; share db walked in full/);
    // d0 and d4..d9 of docs came from snapshot 1 (their listings, or whole as shared folders); the
    // root, the share roots and d1, d2, d3, dnew, dnew/deeper were listed.
    const listed = /journal mode listed (\d+) directories over the network, took (\d+) from snapshot 1 and carried (\d+) unchanged shared folders over whole/.exec(log);
    expect(listed, log).not.toBeNull();
    expect(Number(listed![2]) + Number(listed![3])).toBe(7);
    expect(Number(listed![1])).toBeLessThanOrEqual(9);
    await restoredMatches(2);
  });

  it('walks once after the agent was killed and restarted, then uses the journal again', async () => {
    const before = await epoch();
    await stopAgent(agent!, 'SIGKILL');
    agent = startAgent();
    await agentReady(agent.pid, before);
    await writeFile(join(docsDir, 'd5', 'after-restart.txt'), 'after the restart');
    await journalHas(['d5/after-restart.txt']);
    const third = await backup();
    expect(third.run, third.log).toMatchObject({ state: 'succeeded', seq: 3 });
    expect(third.mode).toBe('walk');
    expect(third.log).toMatch(/mode: full walk \(the journal has a gap|mode: full walk \(the agent restarted its journal/);
    await restoredMatches(3);

    await writeFile(join(docsDir, 'd6', 'later.txt'), 'later');
    await journalHas(['d6/later.txt']);
    const fourth = await backup();
    expect(fourth.run, fourth.log).toMatchObject({ state: 'succeeded', seq: 4, files_new: 1 });
    expect(fourth.mode).toBe('journal');
    await restoredMatches(4);
  });

  it('fails the backup, naming the hook, when the server names a hook the agent does not declare', async () => {
    const shareId = ((await api('GET', `/clients/${clientId}/shares`)).json as { id: string; name: string }[]).find((s) => s.name === 'db')!.id;
    const agentConfigVersion = async (): Promise<string> =>
      (JSON.parse(await readFile(configPath.replace(/\.json$/, '.state.json'), 'utf8').catch(() => '{}')) as { configVersion?: string }).configVersion ?? '';
    const before = await agentConfigVersion();
    expect((await api('PATCH', `/shares/${shareId}`, { preHook: 'not-declared' })).status).toBe(200);
    await until('the agent loads the edited share', async () => (await agentConfigVersion()) !== before, 30_000);
    const runId = await driver.enqueue(clientId);
    const run = await driver.waitFinished(runId);
    expect(run.state).toBe('failed');
    expect(run.error).toMatch(/pre-backup hook "not-declared" of share db: .*hook "not-declared" is not declared in this agent's configuration/);
    expect(run.attempts).toBeLessThanOrEqual(1);
    const [{ n }] = await driver.query<{ n: number }>('SELECT count(*)::int AS n FROM snapshots WHERE client_id = $1', [clientId]);
    expect(n).toBe(4);
    expect((await api('PATCH', `/shares/${shareId}`, { preHook: 'db-dump' })).status).toBe(200);
  });

  it('refuses a backup when the agent cannot run a share\'s pre hook', async () => {
    await stopAgent(agent!, 'SIGTERM');
    const runId = await driver.enqueue(clientId);
    const run = await driver.waitFinished(runId);
    expect(run.state).toBe('failed');
    expect(run.error).toMatch(/did not answer prepare\((db|docs)\): .*ECONNREFUSED.*; share db has a pre-backup hook that could not run, so no backup was taken/);
    expect(run.attempts).toBeLessThanOrEqual(1);
    const [{ n }] = await driver.query<{ n: number }>('SELECT count(*)::int AS n FROM snapshots WHERE client_id = $1', [clientId]);
    expect(n).toBe(4);
  });
});
