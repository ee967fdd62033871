import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readlink, rm, symlink, utimes, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TreeEntryState {
  type: 'file' | 'directory' | 'symlink';
  size: number;
  mtimeMs: number;
  mode: number;
  sha256?: string;
  target?: string;
}

export type TreeState = Map<string, TreeEntryState>;

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `bt-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Deterministic pseudo-random generator (mulberry32), so a failing tree can be regenerated. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAME_PARTS = ['report', 'Übersicht', '日本語', 'café', 'cafe\u0301', 'naïve', 'photo', 'данные', '-dash', 'space name', 'emoji🎉', 'x'];

export interface GenerateOptions {
  files: number;
  seed: number;
  /** Size of one big file at big/large.bin (0 for none). */
  bigFileBytes?: number;
}

/**
 * Generates a nested tree: Unicode names (NFC and NFD spellings side by side), empty files,
 * duplicated contents, relative/absolute/dangling symlinks and optionally one big file.
 */
export async function generateTree(root: string, opts: GenerateOptions): Promise<void> {
  const rand = rng(opts.seed);
  const dirs = [''];
  await mkdir(root, { recursive: true });
  for (let i = 0; dirs.length < Math.max(8, opts.files / 40); i++) {
    const parent = dirs[Math.floor(rand() * dirs.length)] as string;
    if (parent.split('/').length > 5) continue;
    const name = `${NAME_PARTS[i % NAME_PARTS.length]}-d${i}`;
    const rel = parent ? `${parent}/${name}` : name;
    await mkdir(join(root, rel));
    dirs.push(rel);
  }
  const shared = randomBytes(3000);
  for (let i = 0; i < opts.files; i++) {
    const dir = dirs[Math.floor(rand() * dirs.length)] as string;
    const name = `${NAME_PARTS[i % NAME_PARTS.length]}-${i}.dat`;
    const rel = dir ? `${dir}/${name}` : name;
    const r = rand();
    let data: Buffer;
    if (r < 0.05) data = Buffer.alloc(0);
    else if (r < 0.15) data = shared; // the same content under many paths
    else data = randomBytes(Math.floor(rand() * 8192) + 1);
    await writeFile(join(root, rel), data);
    if (i % 97 === 0) await utimes(join(root, rel), new Date(2001, 1, 3), new Date(2010, 5, 7, 8, 9, 10, 123));
  }
  // NFC and NFD spellings of one name must stay two entries.
  await writeFile(join(root, 'caf\u00e9.txt'), 'composed');
  await writeFile(join(root, 'cafe\u0301.txt'), 'decomposed');
  await mkdir(join(root, 'links'));
  await symlink('../caf\u00e9.txt', join(root, 'links', 'relative'));
  await symlink('/etc/passwd', join(root, 'links', 'absolute'));
  await symlink('does/not/exist', join(root, 'links', 'dangling'));
  await symlink('..', join(root, 'links', 'parent'));
  if (opts.bigFileBytes) await writeBigFile(join(root, 'big', 'large.bin'), opts.bigFileBytes, opts.seed);
}

export async function writeBigFile(path: string, bytes: number, seed: number): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const block = randomBytes(1024 * 1024);
  const fh = await open(path, 'w');
  try {
    for (let off = 0; off < bytes; off += block.length) {
      block.writeUInt32LE(off / block.length, 0);
      block.writeUInt32LE(seed, 4);
      await fh.write(block, 0, Math.min(block.length, bytes - off));
    }
  } finally {
    await fh.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}

/** Every entry below root (root itself excluded) with its content hash; symlinks not followed. */
export async function readTreeState(root: string): Promise<TreeState> {
  const out: TreeState = new Map();
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = join(root, r);
      const st = await lstat(abs);
      const base = { size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777 };
      if (st.isDirectory()) {
        out.set(r, { ...base, type: 'directory', size: 0 });
        await walk(r);
      } else if (st.isSymbolicLink()) {
        out.set(r, { ...base, type: 'symlink', target: await readlink(abs) });
      } else if (st.isFile()) {
        out.set(r, { ...base, type: 'file', sha256: await sha256File(abs) });
      }
    }
  };
  await walk('');
  return out;
}

/** Differences between two tree states (empty when identical; mtimes to the microsecond). */
export function diffTreeStates(expected: TreeState, actual: TreeState, opts: { symlinkMtime?: boolean } = {}): string[] {
  const problems: string[] = [];
  for (const [path, e] of expected) {
    const a = actual.get(path);
    if (!a) {
      problems.push(`missing ${path}`);
      continue;
    }
    if (a.type !== e.type) problems.push(`${path}: type ${a.type} != ${e.type}`);
    else if (e.type === 'file' && (a.sha256 !== e.sha256 || a.size !== e.size)) problems.push(`${path}: content differs`);
    else if (e.type === 'symlink' && a.target !== e.target) problems.push(`${path}: target ${a.target} != ${e.target}`);
    const checkTime = e.type !== 'symlink' || opts.symlinkMtime !== false;
    if (checkTime && Math.abs(a.mtimeMs - e.mtimeMs) > 0.002) problems.push(`${path}: mtime ${a.mtimeMs} != ${e.mtimeMs}`);
    if (e.type !== 'symlink' && a.mode !== e.mode) problems.push(`${path}: mode ${a.mode.toString(8)} != ${e.mode.toString(8)}`);
  }
  for (const path of actual.keys()) if (!expected.has(path)) problems.push(`unexpected ${path}`);
  return problems;
}
