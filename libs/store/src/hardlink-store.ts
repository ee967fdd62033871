import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { ensureFormat, fsyncDir, upgradeFormat, type StoreFormat } from './format.js';
import { entryDiskPath, readManifestFile, type ManifestEntry } from './manifest.js';
import { encodeName } from './name-codec.js';
import { sharedFolderRel, TREES_FILE } from './shared-folders.js';
import { TREE_HASH_RE } from './tree-hash.js';
import { Pool, type PoolOptions } from './pool.js';
import { quarantinedSha256 } from './pool-quarantine.js';
import { SnapshotWriter } from './snapshot-writer.js';
import { errnoCode, StoreError } from './store.errors.js';

const execFileAsync = promisify(execFile);

export type Durability = 'syncfs' | 'none';

export interface StoreOptions extends PoolOptions {
  /** Create format.json and the directories when the store does not exist yet. */
  create?: boolean;
  /**
   * 'syncfs' (default) flushes the store's filesystem once before a snapshot is renamed complete,
   * which makes every pool file, link and directory of it durable at the cost of one call.
   * 'none' is for throw-away stores only.
   */
  durability?: Durability;
  /**
   * A folder whose subtree holds at least this many entries is written once into dirs/ and
   * linked from snapshots (default 16; at least 1).
   */
  sharedFolderThreshold?: number;
}

export const DEFAULT_SHARED_FOLDER_THRESHOLD = 16;

export interface SnapshotRef {
  client: string;
  seq: number;
  partial: boolean;
}

export interface SnapshotMeta {
  format: 1;
  client: string;
  seq: number;
  jobId: string;
  startedAt: string;
  finishedAt: string;
  /** 'partial' when some entries could not be read and were skipped. */
  outcome: 'complete' | 'partial';
  entries: number;
  stats?: Record<string, number>;
}

export interface BeginSnapshotOptions {
  jobId: string;
  /** Sequence number chosen by the catalog; defaults to the highest finished one + 1. */
  seq?: number;
  /**
   * Reads a file of the client again into `dest`, for a folder being built whose unchanged file's
   * content is no longer in the pool. Without it such a folder fails the snapshot.
   */
  refetch?: (entry: ManifestEntry, dest: string) => Promise<void>;
}

export interface CleanReport {
  stagingRemoved: number;
  partialsTrashed: SnapshotRef[];
}

const SEQ_RE = /^(0|[1-9][0-9]*)(\.partial)?$/;
export const META_FILE = 'snapshot.json';
export const MANIFEST_FILE = 'manifest.jsonl.gz';
export const CLIENT_FILE = 'client.json';

export class HardlinkStore {
  readonly root: string;
  readonly pool: Pool;
  private currentFormat: StoreFormat;
  private readonly durability: Durability;
  private readonly options: StoreOptions;
  readonly sharedFolderThreshold: number;

  private constructor(root: string, format: StoreFormat, opts: StoreOptions) {
    this.root = root;
    this.currentFormat = format;
    this.options = opts;
    this.durability = opts.durability ?? 'syncfs';
    this.pool = new Pool(root, opts);
    const threshold = opts.sharedFolderThreshold ?? DEFAULT_SHARED_FOLDER_THRESHOLD;
    if (!Number.isSafeInteger(threshold) || threshold < 1) throw new StoreError('FORMAT_UNSUPPORTED', `sharedFolderThreshold must be a whole number >= 1, got ${threshold}`);
    this.sharedFolderThreshold = threshold;
  }

  get format(): StoreFormat {
    return this.currentFormat;
  }

  static async open(root: string, opts: StoreOptions = {}): Promise<HardlinkStore> {
    const format = await ensureFormat(root, opts.create ?? false);
    return new HardlinkStore(root, format, opts);
  }

  get faultHook(): StoreOptions['faultHook'] {
    return this.options.faultHook;
  }

  clientDir(client: string): string {
    return join(this.root, 'snapshots', encodeName(client));
  }

  snapshotDir(client: string, seq: number, partial = false): string {
    return join(this.clientDir(client), partial ? `${seq}.partial` : String(seq));
  }

  stagingDir(client: string, jobId?: string): string {
    const base = join(this.root, 'staging', encodeName(client));
    return jobId === undefined ? base : join(base, encodeName(jobId));
  }

  async listClients(): Promise<string[]> {
    const names = await readdirOrEmpty(join(this.root, 'snapshots'));
    const out: string[] = [];
    for (const dirName of names) {
      try {
        const info = JSON.parse(await readFile(join(this.root, 'snapshots', dirName, CLIENT_FILE), 'utf8')) as { name: string };
        out.push(info.name);
      } catch {
        out.push(dirName);
      }
    }
    return out.sort();
  }

  /** Snapshots of a client ascending by sequence, unfinished (`.partial`) ones included. */
  async listSnapshots(client: string): Promise<SnapshotRef[]> {
    const out: SnapshotRef[] = [];
    for (const name of await readdirOrEmpty(this.clientDir(client))) {
      const m = SEQ_RE.exec(name);
      if (m) out.push({ client, seq: Number(m[1]), partial: m[2] !== undefined });
    }
    return out.sort((a, b) => a.seq - b.seq || Number(a.partial) - Number(b.partial));
  }

  async latestSnapshot(client: string): Promise<number | undefined> {
    const done = (await this.listSnapshots(client)).filter((s) => !s.partial);
    return done.at(-1)?.seq;
  }

  async readSnapshotMeta(client: string, seq: number): Promise<SnapshotMeta> {
    try {
      return JSON.parse(await readFile(join(this.snapshotDir(client, seq), '.backtrac', META_FILE), 'utf8')) as SnapshotMeta;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw new StoreError('SNAPSHOT_NOT_FOUND', `no snapshot ${client}/${seq}`);
      throw err;
    }
  }

  manifestPath(client: string, seq: number, partial = false): string {
    return join(this.snapshotDir(client, seq, partial), '.backtrac', MANIFEST_FILE);
  }

  /** Absolute path of the shared folder named by a tree hash. */
  sharedFolderPath(hash: string): string {
    return join(this.root, sharedFolderRel(hash));
  }

  /**
   * The shared folders of a finished snapshot: disk path (relative to the snapshot) to tree hash.
   * Empty for snapshots written before format 2.
   */
  async readSharedFolders(client: string, seq: number): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let text: string;
    try {
      text = await readFile(join(this.snapshotDir(client, seq), '.backtrac', TREES_FILE), 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return out;
      throw err;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const { disk, tree } = JSON.parse(line) as { disk: string; tree: string };
      if (typeof disk !== 'string' || typeof tree !== 'string' || !TREE_HASH_RE.test(tree)) {
        throw new StoreError('ENTRY_NOT_FOUND', `snapshot ${client}/${seq}: bad line in ${TREES_FILE}`);
      }
      out.set(disk, tree);
    }
    return out;
  }

  /** Entries of a finished snapshot in path order, streamed; shared folders carry their tree hash. */
  async *readManifest(client: string, seq: number): AsyncGenerator<ManifestEntry> {
    const trees = await this.readSharedFolders(client, seq);
    for await (const entry of readManifestFile(this.manifestPath(client, seq))) {
      if (trees.size > 0 && entry.type === 'directory') {
        const tree = trees.get(entryDiskPath(entry));
        // Set before anyone sees the entry; its source line (reused verbatim) never holds it.
        if (tree !== undefined) entry.tree = tree;
      }
      yield entry;
    }
  }

  /**
   * The disk path of a regular file of a finished snapshot, found without following any symlink:
   * a folder the snapshot's record names as shared is entered at its place in dirs/, everything
   * else must be a real directory, so a client's symlink is never followed whatever its target
   * says. Undefined when there is no such file.
   */
  async resolveFilePath(client: string, seq: number, segments: readonly string[]): Promise<string | undefined> {
    if (segments.length === 0) return undefined;
    const trees = await this.readSharedFolders(client, seq);
    let dir = this.snapshotDir(client, seq);
    let disk = '';
    for (let i = 0; i < segments.length - 1; i++) {
      const name = encodeName(segments[i] as string);
      disk = disk === '' ? name : `${disk}/${name}`;
      const tree = trees.get(disk);
      dir = tree !== undefined ? this.sharedFolderPath(tree) : `${dir}/${name}`;
      const st = await lstat(dir).catch(() => undefined);
      if (!st?.isDirectory()) return undefined;
    }
    const file = `${dir}/${encodeName(segments[segments.length - 1] as string)}`;
    const st = await lstat(file).catch(() => undefined);
    return st?.isFile() ? file : undefined;
  }

  /**
   * Removes what a crashed or killed run of this client left behind: its staging files and its
   * `.partial` snapshots (moved to trash). The caller holds the per-client lock.
   */
  async cleanClient(client: string): Promise<CleanReport> {
    const staging = this.stagingDir(client);
    const stale = await readdirOrEmpty(staging);
    await rm(staging, { recursive: true, force: true });
    const partials = (await this.listSnapshots(client)).filter((s) => s.partial);
    for (const s of partials) await this.moveToTrash(this.snapshotDir(client, s.seq, true), `${encodeName(client)}.${s.seq}.partial`);
    return { stagingRemoved: stale.length, partialsTrashed: partials };
  }

  async beginSnapshot(client: string, opts: BeginSnapshotOptions): Promise<SnapshotWriter> {
    // The first write of new code upgrades a version-1 store: nothing else changes on disk.
    this.currentFormat = await upgradeFormat(this.root, this.currentFormat);
    await this.cleanClient(client);
    const clientDir = this.clientDir(client);
    await mkdir(clientDir, { recursive: true });
    await writeFile(join(clientDir, CLIENT_FILE), JSON.stringify({ name: client }) + '\n');
    const latest = await this.latestSnapshot(client);
    const seq = opts.seq ?? (latest ?? 0) + 1;
    if (!Number.isSafeInteger(seq) || seq < 0) throw new StoreError('SNAPSHOT_EXISTS', `bad sequence ${seq}`);
    if ((await this.listSnapshots(client)).some((s) => s.seq === seq)) {
      throw new StoreError('SNAPSHOT_EXISTS', `snapshot ${client}/${seq} already exists`);
    }
    const dir = this.snapshotDir(client, seq, true);
    await mkdir(join(dir, '.backtrac'), { recursive: true });
    const staging = this.stagingDir(client, opts.jobId);
    await mkdir(staging, { recursive: true });
    return new SnapshotWriter(this, { client, seq, jobId: opts.jobId, dir, stagingDir: staging, ...(opts.refetch ? { refetch: opts.refetch } : {}) });
  }

  /** Called by SnapshotWriter.commit once everything below `partialDir` is written. */
  async finishSnapshot(client: string, seq: number): Promise<void> {
    await this.options.faultHook?.('before-commit');
    const partial = this.snapshotDir(client, seq, true);
    if (this.durability === 'syncfs') await syncFilesystem(partial);
    await rename(partial, this.snapshotDir(client, seq));
    if (this.durability === 'syncfs') await fsyncDir(this.clientDir(client));
    await this.options.faultHook?.('committed');
  }

  /** Moves a snapshot to trash/; the space is reclaimed by emptyTrash() and gc. */
  async deleteSnapshot(client: string, seq: number): Promise<void> {
    await this.moveToTrash(this.snapshotDir(client, seq), `${encodeName(client)}.${seq}`);
  }

  private async moveToTrash(dir: string, label: string): Promise<void> {
    const target = join(this.root, 'trash', `${label}.${Date.now()}.${process.pid}.${Math.random().toString(36).slice(2, 8)}`);
    try {
      await rename(dir, target);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw new StoreError('SNAPSHOT_NOT_FOUND', `${dir} does not exist`);
      throw err;
    }
  }

  /** Deletes everything in trash/; returns how many top-level items were removed. */
  async emptyTrash(): Promise<number> {
    const trash = join(this.root, 'trash');
    const items = await readdirOrEmpty(trash);
    for (const item of items) {
      await this.options.faultHook?.('trash-emptying');
      // Snapshot trees are read-write for us (pool files are 0444 but unlink needs only the dir).
      await rm(join(trash, item), { recursive: true, force: true });
    }
    return items.length;
  }

  /**
   * The contents found rotten and moved to quarantine/ (by a restore or verify) whose quarantine
   * files are still there: older snapshots and shared folders may link those rotten inodes until
   * a backup fetches the content again and heals them (healQuarantinedContent).
   */
  async quarantinedContents(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const name of await readdirOrEmpty(join(this.root, 'quarantine'))) {
      const sha256 = quarantinedSha256(name);
      if (sha256 !== undefined) out.add(sha256);
    }
    return out;
  }

  /** A pool copy of the content, for downloads of one file version. */
  async openContent(sha256: string): Promise<Readable> {
    const p = await this.pool.find(sha256);
    if (p === undefined) throw new StoreError('ENTRY_NOT_FOUND', `content ${sha256} is not in the pool`);
    return createReadStream(p);
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

/** syncfs(2) through coreutils: one call makes all of the store's dirty data and metadata durable. */
async function syncFilesystem(path: string): Promise<void> {
  await execFileAsync('sync', ['-f', path]);
}
