// A private smbd for the demo share (`npm start -- --demo`), tests and benchmarks (through
// test/harness/samba.ts): Debian's /usr/sbin/smbd in the foreground on
// 127.0.0.1 with every state directory under a temp dir (never /etc/samba or /var/lib/samba), stopped
// by PID. Users get a Unix account `bt_<name>` (passdb needs one) and a username map entry so the
// client logs in with the plain name. Shares use `force user = root` so files written directly by the
// calling process (root) are readable and writable over SMB.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile, rm, readFile, readdir } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface SambaShareOptions {
  readOnly?: boolean;
  extra?: Record<string, string>;
}

export interface SambaServer {
  host: string;
  port: number;
  pid: number;
  addUser(name: string, password: string): Promise<void>;
  addShare(name: string, path: string, options?: SambaShareOptions): Promise<void>;
  url(share: string, user?: string): string; // smb://user@127.0.0.1:port/share
  stop(): Promise<void>;
}

const SMBD = '/usr/sbin/smbd';
const SETPRIV = '/usr/bin/setpriv';
export const UNIX_USER_PREFIX = 'bt_';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

async function ensureUnixUser(unixName: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await execFileP('id', ['-u', unixName]);
      return;
    } catch {
      // does not exist yet
    }
    try {
      await execFileP('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', unixName]);
      return;
    } catch (err) {
      // Another test file may be creating the same account, or /etc/passwd is locked: retry.
      const msg = String((err as { stderr?: string }).stderr ?? err);
      if (/already exists/.test(msg)) return;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  throw new Error(`samba-server: could not create Unix user ${unixName}`);
}

function renderSection(name: string, params: Record<string, string>): string {
  const lines = Object.entries(params).map(([k, v]) => `  ${k} = ${v}`);
  return `[${name}]\n${lines.join('\n')}\n`;
}

class SambaProcess implements SambaServer {
  readonly host = '127.0.0.1';
  pid = 0;
  private child: ChildProcess | undefined;
  private output = '';
  private readonly shares = new Map<string, Record<string, string>>();
  private readonly users = new Map<string, string>(); // smb name -> unix name
  private stopped = false;

  readonly port: number;
  private readonly dir: string;
  private readonly globalExtra: Record<string, string>;

  constructor(port: number, dir: string, globalExtra: Record<string, string>) {
    this.port = port;
    this.dir = dir;
    this.globalExtra = globalExtra;
  }

  get confPath(): string {
    return join(this.dir, 'smb.conf');
  }

  private async writeConfig(): Promise<void> {
    const d = this.dir;
    const global: Record<string, string> = {
      'server role': 'standalone server',
      workgroup: 'BACKTRAC',
      'netbios name': 'BTTEST',
      'smb ports': String(this.port),
      interfaces: '127.0.0.1',
      'bind interfaces only': 'yes',
      'disable netbios': 'yes',
      'private dir': join(d, 'private'),
      'lock directory': join(d, 'lock'),
      'state directory': join(d, 'state'),
      'cache directory': join(d, 'cache'),
      'pid directory': join(d, 'pid'),
      'ncalrpc dir': join(d, 'ncalrpc'),
      'binddns dir': join(d, 'binddns'),
      'usershare path': '',
      'log file': join(d, 'log', 'log.%m'),
      'log level': '1',
      'max log size': '10000',
      'passdb backend': `tdbsam:${join(d, 'private', 'passdb.tdb')}`,
      'username map': join(d, 'users.map'),
      'map to guest': 'never',
      'load printers': 'no',
      printing: 'bsd',
      'printcap name': '/dev/null',
      'disable spoolss': 'yes',
      'rpc start on demand helpers': 'no',
      ...this.globalExtra,
    };
    let text = renderSection('global', global);
    for (const [name, params] of this.shares) text += renderSection(name, params);
    await writeFile(this.confPath, text);
    const map = [...this.users].map(([smb, unix]) => `${unix} = ${smb}`).join('\n');
    await writeFile(join(d, 'users.map'), map + '\n');
  }

  async start(): Promise<void> {
    for (const sub of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'binddns', 'log']) {
      await mkdir(join(this.dir, sub), { recursive: true });
    }
    await this.writeConfig();
    const smbdArgs = ['--foreground', '--no-process-group', '--debug-stdout', '-s', this.confPath];
    // setpriv --pdeathsig: smbd is killed if the process that started it dies without calling stop().
    const [cmd, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', SMBD, ...smbdArgs]] : [SMBD, smbdArgs];
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // smbd signals its whole process group on shutdown: give it its own so the test runner survives.
      detached: true,
    });
    this.child = child;
    this.pid = child.pid ?? 0;
    const collect = (b: Buffer): void => {
      this.output += b.toString();
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      exited = `exited with ${code ?? signal}`;
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (exited !== undefined) break;
      if (await canConnect(this.host, this.port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    const logs = await this.logs();
    await this.stop();
    throw new Error(`samba-server: smbd did not start (${exited ?? 'timeout'})\n${this.output}\n${logs}`);
  }

  async logs(): Promise<string> {
    let text = '';
    try {
      for (const f of await readdir(join(this.dir, 'log'))) {
        text += `--- ${f}\n` + (await readFile(join(this.dir, 'log', f), 'utf8')).slice(-20_000);
      }
    } catch {
      // no logs yet
    }
    return text;
  }

  private async reload(): Promise<void> {
    await this.writeConfig();
    if (!this.pid || this.stopped) return;
    await execFileP('smbcontrol', ['-s', this.confPath, String(this.pid), 'reload-config']);
  }

  async addUser(name: string, password: string): Promise<void> {
    const unixName = name.startsWith(UNIX_USER_PREFIX) ? name : UNIX_USER_PREFIX + name;
    await ensureUnixUser(unixName);
    this.users.set(name, unixName);
    await this.reload();
    await new Promise<void>((resolve, reject) => {
      const p = spawn('smbpasswd', ['-c', this.confPath, '-s', '-a', unixName], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      p.stderr.on('data', (b: Buffer) => (err += b.toString()));
      p.stdout.on('data', (b: Buffer) => (err += b.toString()));
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`smbpasswd failed (${code}): ${err}`))));
      p.stdin.end(`${password}\n${password}\n`);
    });
  }

  async addShare(name: string, path: string, options: SambaShareOptions = {}): Promise<void> {
    this.shares.set(name, {
      path,
      'read only': options.readOnly ? 'yes' : 'no',
      browseable: 'yes',
      'force user': 'root',
      'force group': 'root',
      'create mask': '0644',
      'directory mask': '0755',
      ...options.extra,
    });
    await this.reload();
  }

  url(share: string, user?: string): string {
    const u = user ?? [...this.users.keys()][0];
    return `smb://${u ? encodeURIComponent(u) + '@' : ''}${this.host}:${this.port}/${share}`;
  }

  /** PIDs of this server's smbd processes (the parent and its forked children). */
  async processIds(): Promise<number[]> {
    const result: number[] = [];
    if (!this.pid) return result;
    const parents = new Set([this.pid]);
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (parents.has(ppid)) result.push(Number(entry));
      } catch {
        // process vanished
      }
    }
    return [this.pid, ...result];
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const pids = await this.processIds().catch(() => [this.pid]);
    const child = this.child;
    const exited = child && child.exitCode === null && child.signalCode === null
      ? new Promise<void>((r) => child.once('exit', () => r()))
      : Promise.resolve();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
    await rm(this.dir, { recursive: true, force: true });
  }
}

export async function startSamba(options: { global?: Record<string, string> } = {}): Promise<SambaServer & {
  confPath: string;
  processIds(): Promise<number[]>;
  logs(): Promise<string>;
}> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'bt-samba-'));
    const server = new SambaProcess(await freePort(), dir, options.global ?? {});
    try {
      await server.start();
      return server;
    } catch (err) {
      lastError = err; // most likely the port was taken in between: retry on another one
    }
  }
  throw lastError;
}

/** Arguments for `smbclient` against a share of `server`, authenticating as user/password. */
export function smbclientArgs(server: SambaServer, share: string, user: string, password: string): string[] {
  return [
    `//${server.host}/${share}`,
    '-p', String(server.port),
    '-U', `${user}%${password}`,
    '-W', 'BACKTRAC',
    '--option=clientminprotocol=SMB2_02',
  ];
}
