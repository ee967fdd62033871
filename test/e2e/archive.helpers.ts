import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ApiClient } from '../harness/api-client.js';

const execFileP = promisify(execFile);
const reader = fileURLToPath(new URL('./archive-read.py', import.meta.url));

/** One member as Python's zipfile/tarfile reads it back (see archive-read.py). */
export interface ReadMember {
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'other';
  mode: number;
  /** Seconds since the epoch, UTC (zip: its DOS time read as UTC). */
  mtime: number;
  utf8?: boolean;
  sha256?: string;
  size?: number;
  same?: boolean | null;
  target?: string;
}

/** Downloads an api path to a file; returns the response's status and headers. */
export async function download(api: ApiClient, path: string, file: string): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await api.raw(path);
  if (response.status !== 200) return { status: response.status, headers: response.headers, body: await response.text() };
  await pipeline(Readable.fromWeb(response.body! as never), createWriteStream(file));
  return { status: 200, headers: response.headers, body: '' };
}

/** Members of an archive as Python reads them, by name; `sources` maps member names to disk files to compare byte for byte. */
export async function readArchive(file: string, format: 'zip' | 'tar' | 'tar.gz', sourcesFile?: string): Promise<Map<string, ReadMember>> {
  const { stdout } = await execFileP('python3', [reader, file, format, ...(sourcesFile ? [sourcesFile] : [])], { maxBuffer: 256 * 1024 * 1024 });
  const members = new Map<string, ReadMember>();
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const member = JSON.parse(line) as ReadMember;
    if (members.has(member.name)) throw new Error(`${member.name} appears twice in ${file}`);
    members.set(member.name, member);
  }
  return members;
}

/** The archive-relative names zip gives folders ("a/") and tar does not ("a"), made comparable. */
export const memberKey = (name: string): string => name.replace(/\/$/, '');

/** Resident set size of a process, in bytes. */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kib) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib[1]) * 1024;
}

/** The files under `root` that a process has open right now, with each one's read offset. */
export async function openFilesUnder(pid: number, root: string): Promise<{ path: string; pos: number }[]> {
  const open: { path: string; pos: number }[] = [];
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    if (!target.startsWith(root)) continue;
    const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    open.push({ path: target, pos: Number(/^pos:\s+(\d+)/m.exec(info)?.[1] ?? -1) });
  }
  return open;
}

/** Polls `check` until it returns true; fails after `timeoutMs` with `what`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
