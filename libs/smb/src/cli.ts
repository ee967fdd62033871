// backtrac-smb: list, download and upload over SMB for admins and debugging.
//   backtrac-smb ls [-r] smb://[domain;]user@host[:port]/share[/dir]
//   backtrac-smb stat smb://user@host/share/path
//   backtrac-smb get smb://user@host/share/path [local-file]
//   backtrac-smb put [--overwrite] local-file smb://user@host/share/path
// The password comes from BACKTRAC_SMB_PASSWORD or an interactive prompt, never from argv.
import { open as openLocal, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { connect, SmbError, type SmbEntry, type SmbSession } from './index.js';
import { parseSmbUrl } from './url.js';

const USAGE = `usage:
  backtrac-smb ls [-r] smb://[domain;]user@host[:port]/share[/dir]
  backtrac-smb stat smb://user@host[:port]/share/path
  backtrac-smb get smb://user@host[:port]/share/path [local-file]
  backtrac-smb put [--overwrite] local-file smb://user@host[:port]/share/path
password: environment variable BACKTRAC_SMB_PASSWORD, otherwise prompted on the terminal
options: --timeout=SECONDS (default 60)`;

async function promptPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new Error('no password: set BACKTRAC_SMB_PASSWORD (stdin is not a terminal)');
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (s: string): void => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') {
          cleanup();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          reject(new Error('interrupted'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const cleanup = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

function formatEntry(e: SmbEntry, path: string): string {
  const type = e.type === 'directory' ? 'd' : e.type === 'symlink' ? 'l' : '-';
  return `${type} ${String(e.size).padStart(14)} ${e.mtime.toISOString()} ${path}`;
}

interface Target {
  session: SmbSession;
  path: string;
}

async function open(url: string, timeoutMs: number): Promise<Target> {
  const u = parseSmbUrl(url);
  if (!u.username) throw new Error(`no user in ${url} (smb://user@host/share/path)`);
  const password = u.password ?? process.env.BACKTRAC_SMB_PASSWORD ?? (await promptPassword(`password for ${u.username}@${u.host}: `));
  const shareUrl = `smb://${encodeURIComponent(u.username)}@${u.host.includes(':') ? `[${u.host}]` : u.host}:${u.port}/${encodeURIComponent(u.share)}`;
  const session = await connect(shareUrl, { username: u.username, password, domain: u.domain }, { timeoutMs });
  return { session, path: u.path };
}

export async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('-')));
  const args = argv.filter((a) => !a.startsWith('-'));
  const timeoutFlag = [...flags].find((f) => f.startsWith('--timeout='));
  const timeoutMs = timeoutFlag ? Number(timeoutFlag.slice('--timeout='.length)) * 1000 : 60_000;
  const [command, ...rest] = args;
  if (!command || flags.has('-h') || flags.has('--help')) {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  let target: Target | undefined;
  try {
    switch (command) {
      case 'ls': {
        if (rest.length !== 1) break;
        target = await open(rest[0]!, timeoutMs);
        const { session, path } = target;
        if (flags.has('-r') || flags.has('--recursive')) {
          for await (const e of session.walk(path)) process.stdout.write(formatEntry(e, e.path) + '\n');
        } else {
          const entries = (await session.list(path)).sort((a, b) => a.name.localeCompare(b.name));
          for (const e of entries) process.stdout.write(formatEntry(e, e.name) + '\n');
        }
        return 0;
      }
      case 'stat': {
        if (rest.length !== 1) break;
        target = await open(rest[0]!, timeoutMs);
        const e = await target.session.stat(target.path);
        process.stdout.write(JSON.stringify(e, null, 2) + '\n');
        return 0;
      }
      case 'get': {
        if (rest.length < 1 || rest.length > 2) break;
        target = await open(rest[0]!, timeoutMs);
        const local = rest[1] ?? basename(target.path.replace(/\\/g, '/'));
        if (local === '-') {
          await pipeline(target.session.createReadStream(target.path), process.stdout);
          return 0;
        }
        // Reused buffers and positional writes; the local file is created once the remote one opened.
        let fh: FileHandle | undefined;
        let bytes = 0;
        try {
          bytes = await target.session.download(target.path, async (chunk, position) => {
            fh ??= await openLocal(local, 'w');
            await fh.write(chunk, 0, chunk.length, position);
          });
          fh ??= await openLocal(local, 'w');
        } finally {
          await fh?.close();
        }
        process.stderr.write(`${bytes} bytes -> ${local}\n`);
        return 0;
      }
      case 'put': {
        if (rest.length !== 2) break;
        target = await open(rest[1]!, timeoutMs);
        const overwrite = flags.has('--overwrite') || flags.has('-f');
        if (rest[0] === '-') {
          const ws = target.session.createWriteStream(target.path, { overwrite });
          await pipeline(process.stdin, ws);
          process.stderr.write(`${ws.bytesWritten} bytes -> ${rest[1]}\n`);
          return 0;
        }
        const fh = await openLocal(rest[0]!, 'r');
        try {
          const bytes = await target.session.upload(target.path, async (buf, position) => (await fh.read(buf, 0, buf.length, position)).bytesRead, { overwrite });
          process.stderr.write(`${bytes} bytes -> ${rest[1]}\n`);
        } finally {
          await fh.close();
        }
        return 0;
      }
    }
    process.stderr.write(USAGE + '\n');
    return 2;
  } catch (err) {
    const e = err as Error;
    process.stderr.write(`backtrac-smb: ${e.message}${err instanceof SmbError ? ` [${err.code}]` : ''}\n`);
    return 1;
  } finally {
    await target?.session.close();
  }
}
