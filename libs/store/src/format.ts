import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, StoreError } from './store.errors.js';

export const FORMAT_NAME = 'backtrac-hardlink-store';
/** 2: shared folders in dirs/ (a version-1 store is a valid version-2 store without any). */
export const FORMAT_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

export interface StoreFormat {
  format: typeof FORMAT_NAME;
  version: number;
  createdAt: string;
}

export const STORE_DIRS = ['pool', 'dirs', 'staging', 'snapshots', 'trash', 'quarantine'] as const;

/** Reads format.json, creating a fresh store when asked and the directory has none. */
export async function ensureFormat(root: string, create: boolean): Promise<StoreFormat> {
  const file = join(root, 'format.json');
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<StoreFormat>;
    if (parsed.format !== FORMAT_NAME) throw new StoreError('NOT_A_STORE', `${file} is not a BackTrac store`);
    if (!READABLE_VERSIONS.includes(parsed.version as number)) {
      throw new StoreError('FORMAT_UNSUPPORTED', `store format version ${String(parsed.version)} is not supported (expected ${READABLE_VERSIONS.join(' or ')})`);
    }
    return parsed as StoreFormat;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    if (!create) throw new StoreError('NOT_A_STORE', `${root} has no format.json`);
  }
  await mkdir(root, { recursive: true });
  return writeFormat(root, { format: FORMAT_NAME, version: FORMAT_VERSION, createdAt: new Date().toISOString() });
}

/**
 * Upgrades a version-1 store to version 2: nothing is converted (its snapshots are valid
 * version-2 snapshots), only dirs/ is created and format.json rewritten, atomically.
 */
export async function upgradeFormat(root: string, current: StoreFormat): Promise<StoreFormat> {
  if (current.version >= FORMAT_VERSION) return current;
  return writeFormat(root, { ...current, version: FORMAT_VERSION });
}

async function writeFormat(root: string, fmt: StoreFormat): Promise<StoreFormat> {
  const file = join(root, 'format.json');
  for (const d of STORE_DIRS) await mkdir(join(root, d), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(fmt, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await fsyncDir(root);
  return fmt;
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeDurableJson(file: string, value: unknown, fsync = true): Promise<void> {
  const fh = await open(file, 'wx');
  try {
    await fh.writeFile(JSON.stringify(value, null, 2) + '\n');
    if (fsync) await fh.sync();
  } finally {
    await fh.close();
  }
}
