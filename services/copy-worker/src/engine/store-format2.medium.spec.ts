import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { fsck, gc, HardlinkStore, quarantinePoolContent, restoreSnapshot, walkPool, walkSharedFolders, type ManifestEntry } from '@backtrac/store';
import { DirtyDirectories } from '../agent/dirty-directories.js';
import { JournalSource, PreviousListings } from '../agent/journal.source.js';
import type { BackupLogEvent } from './backup-engine.js';
import { BackupEngine } from './backup-engine.js';
import { LocalDirectorySource } from './local-directory.source.js';
import { diffTreeStates, generateTree, readTreeState, removeDir, tempDir, type TreeState } from './testing/tree.fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');

async function backup(store: HardlinkStore, src: string, client: string): Promise<{ seq: number; state: TreeState }> {
  const state = await readTreeState(src);
  const result = await new BackupEngine(store).run(new LocalDirectorySource(src), { client, jobId: `job-${Date.now()}-${Math.random()}`, filesInFlight: 4 });
  expect(result.outcome).toBe('complete');
  return { seq: result.seq, state };
}

async function expectRestores(store: HardlinkStore, client: string, seq: number, state: TreeState, work: string): Promise<void> {
  const dest = join(work, `restore-${client}-${seq}-${Math.random().toString(36).slice(2)}`);
  const report = await restoreSnapshot(store, client, seq, dest);
  // Names restored under an escaped name (reported as such) are compared under their true name.
  const restored = await readTreeState(dest);
  for (const { path, restoredAs } of report.renamed) {
    const entry = restored.get(restoredAs);
    restored.delete(restoredAs);
    if (entry) restored.set(path, entry);
  }
  expect(diffTreeStates(state, restored), `snapshot ${client}/${seq}`).toEqual([]);
  await removeDir(dest);
}

async function expectFsckClean(store: HardlinkStore): Promise<void> {
  const report = await fsck(store);
  expect(report.issues).toEqual([]);
  expect(report.ok).toBe(true);
}

async function manifest(store: HardlinkStore, client: string, seq: number): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  for await (const e of store.readManifest(client, seq)) out.push(e);
  return out;
}

async function sharedFolderCount(store: HardlinkStore): Promise<number> {
  let n = 0;
  for await (const item of walkSharedFolders(store)) if (item.kind === 'folder') n++;
  return n;
}

async function poolCount(store: HardlinkStore): Promise<number> {
  let n = 0;
  for await (const f of walkPool(store)) if (!('stray' in f)) n++;
  return n;
}

/** Inodes a snapshot holds of its own: directories, symlinks and files no other name links. */
async function ownInodes(dir: string): Promise<number> {
  let n = 1;
  for (const name of await readdir(dir)) {
    const st = await lstat(join(dir, name));
    if (st.isDirectory()) n += await ownInodes(join(dir, name));
    else if (st.isSymbolicLink() || st.nlink === 1) n++;
  }
  return n;
}

async function topFolders(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && d.name !== 'links').map((d) => d.name).sort();
}

function run(script: string, args: string[]): Promise<{ signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--no-warnings', '--import', join(here, 'testing', 'ts-resolve.mjs'), join(here, 'testing', script), ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ signal, stdout, stderr }));
  });
}

describe('store format 2 through the engine', () => {
  let work: string;
  beforeAll(async () => {
    work = await tempDir('format2');
  });
  afterAll(async () => {
    await removeDir(work);
  });

  it('full and incrementals after edits, renames, deletes and moves of whole folders all restore byte-identical; an unchanged folder is one link', async () => {
    const src = join(work, 'src');
    await generateTree(src, { files: 1500, seed: 11 });
    for (const name of ['alpha', 'beta', 'gamma']) await generateTree(join(src, 'work', name), { files: 40, seed: name.length });
    const store = await HardlinkStore.open(join(work, 'store'), { create: true });
    const states = new Map<number, TreeState>();

    const full = await backup(store, src, 'pc');
    states.set(full.seq, full.state);
    const sharedAfterFull = await sharedFolderCount(store);
    expect(sharedAfterFull).toBeGreaterThan(0);
    const entries1 = await manifest(store, 'pc', full.seq);
    // The manifest stays complete: every entry, and the tree hash of each shared folder.
    expect(entries1.length).toBe(full.state.size);
    const sharedTop = entries1.filter((e) => e.tree !== undefined && !e.path.includes('/'));
    expect(sharedTop.length).toBeGreaterThan(0);
    for (const e of sharedTop) {
      const onDisk = join(store.snapshotDir('pc', full.seq), e.disk ?? e.path);
      expect((await lstat(onDisk)).isSymbolicLink()).toBe(true);
      expect(await readlink(onDisk)).toBe(`../../../dirs/${e.tree!.slice(0, 2)}/${e.tree!.slice(2, 4)}/${e.tree}`);
    }
    await expectFsckClean(store);

    // Unchanged: nothing new in dirs/ or the pool, and only a handful of inodes for the whole snapshot.
    const pooled = await poolCount(store);
    const insideShared = entries1.find((e) => e.type === 'file' && e.size > 0 && sharedTop.some((t) => e.path.startsWith(`${t.path}/`)))!;
    const poolFile = (await store.pool.find(insideShared.sha256!))!;
    const linksBefore = (await lstat(poolFile)).nlink;
    const unchanged = await backup(store, src, 'pc');
    states.set(unchanged.seq, unchanged.state);
    // The full snapshot has a real directory or a link per folder of the tree; the unchanged one a
    // link per top-level shared folder, its own metadata, and the root's small files.
    expect(await ownInodes(store.snapshotDir('pc', unchanged.seq))).toBeLessThan(60);
    expect(await sharedFolderCount(store)).toBe(sharedAfterFull);
    expect(await poolCount(store)).toBe(pooled);
    // No link per file: a file inside an unchanged shared folder gained no hard link.
    expect((await lstat(poolFile)).nlink).toBe(linksBefore);

    // Edits deep inside, a whole folder renamed, one deleted, one moved into another.
    const dirs = ['work/alpha', 'work/beta', 'work/gamma'];
    const file = [...full.state].find(([p, e]) => e.type === 'file' && e.size > 0 && p.split('/').length >= 3)![0];
    await writeFile(join(src, file), 'edited deep inside a shared folder');
    await rename(join(src, dirs[0]!), join(src, `${dirs[0]!} renamed`));
    await rm(join(src, dirs[1]!), { recursive: true });
    await rename(join(src, dirs[2]!), join(src, 'links', 'gamma'));
    const edited = await backup(store, src, 'pc');
    states.set(edited.seq, edited.state);
    // A renamed or moved folder has the same contents, so it is the same shared folder.
    const entries3 = await manifest(store, 'pc', edited.seq);
    const tree = (list: ManifestEntry[], path: string): string | undefined => list.find((e) => e.path === path)?.tree;
    if (tree(entries1, dirs[0]!) !== undefined) expect(tree(entries3, `${dirs[0]!} renamed`)).toBe(tree(entries1, dirs[0]!));
    if (tree(entries1, dirs[2]!) !== undefined) expect(tree(entries3, 'links/gamma')).toBe(tree(entries1, dirs[2]!));
    expect(tree(entries1, dirs[0]!)).toBeDefined();

    await mkdir(join(src, 'fresh', 'inner'), { recursive: true });
    for (let i = 0; i < 30; i++) await writeFile(join(src, 'fresh', 'inner', `n${i}`), `new ${i}`);
    const added = await backup(store, src, 'pc');
    states.set(added.seq, added.state);

    for (const [seq, state] of states) await expectRestores(store, 'pc', seq, state, work);
    await expectFsckClean(store);
    await gc(store);
    await expectFsckClean(store);
    await removeDir(src);
  });

  it('a rotten, quarantined file inside a shared folder is fetched again (walk and journal mode) and healed in place, so old snapshots restore too', async () => {
    const src = join(work, 'rot-src');
    for (const dir of ['lib', 'lib/deep', 'other']) {
      await mkdir(join(src, dir), { recursive: true });
      for (let i = 0; i < 20; i++) await writeFile(join(src, dir, `f${i}.txt`), `${dir} file ${i} `.repeat(50 + i));
    }
    const store = await HardlinkStore.open(join(work, 'rot-store'), { create: true });
    const first = await backup(store, src, 'rotten');
    const shared1 = await store.readSharedFolders('rotten', first.seq);
    expect([...shared1.keys()].sort()).toEqual(['lib', 'lib/deep', 'other']);
    const engine = new BackupEngine(store);

    /** Overwrites a content's pool copy (the inode every snapshot and shared folder links) and quarantines it, as a restore does. */
    const rotAndQuarantine = async (path: string): Promise<string> => {
      const sha = createHash('sha256').update(await readFile(join(src, path))).digest('hex');
      const poolFile = (await store.pool.find(sha)) as string;
      const size = (await lstat(poolFile)).size;
      await chmod(poolFile, 0o644);
      await writeFile(poolFile, Buffer.alloc(size, 0x21));
      await chmod(poolFile, 0o444);
      const oldFile = (await store.resolveFilePath('rotten', first.seq, path.split('/'))) as string;
      expect((await quarantinePoolContent(store, sha, oldFile)).movedTo).toHaveLength(1);
      expect(await store.pool.find(sha)).toBeUndefined();
      return sha;
    };
    const expectHealed = async (sha: string, logs: BackupLogEvent[], path: string): Promise<void> => {
      expect(logs.filter((l) => l.reason === 'pool-miss').map((l) => l.path)).toEqual([path]);
      expect(logs.filter((l) => l.reason === 'pool-healed').map((l) => l.path)).toEqual([path]);
      expect(logs.filter((l) => l.level === 'error')).toEqual([]);
      const poolFile = (await store.pool.find(sha)) as string;
      expect(createHash('sha256').update(await readFile(poolFile)).digest('hex')).toBe(sha);
      expect(await store.quarantinedContents()).toEqual(new Set());
    };

    // Walk mode: lib and lib/deep are walked, the rotten file gets its pool miss and is read again.
    const sha1 = await rotAndQuarantine('lib/deep/f3.txt');
    const logs2: BackupLogEvent[] = [];
    const r2 = await engine.run(new LocalDirectorySource(src), { client: 'rotten', jobId: 'rot-2', filesInFlight: 4, onLog: (e) => logs2.push(e) });
    expect(r2.outcome).toBe('complete');
    expect(r2.counters.bytesRead).toBe((await lstat(join(src, 'lib/deep/f3.txt'))).size);
    await expectHealed(sha1, logs2, 'lib/deep/f3.txt');
    // Same tree hashes: the healed shared folders are reused, none is re-pointed or rebuilt.
    expect(await store.readSharedFolders('rotten', r2.seq)).toEqual(shared1);

    // Journal mode, nothing reported dirty: the tainted folders are listed and walked, the rest taken over.
    const sha2 = await rotAndQuarantine('lib/f11.txt');
    const dirty = new DirtyDirectories();
    const journal = new JournalSource(new LocalDirectorySource(src), await PreviousListings.load(store.readManifest('rotten', r2.seq), dirty), dirty);
    const logs3: BackupLogEvent[] = [];
    const r3 = await engine.run(journal, { client: 'rotten', jobId: 'rot-3', filesInFlight: 4, onLog: (e) => logs3.push(e) });
    await journal.close();
    expect(r3.outcome).toBe('complete');
    await expectHealed(sha2, logs3, 'lib/f11.txt');
    expect(await store.readSharedFolders('rotten', r3.seq)).toEqual(shared1);

    for (const seq of [first.seq, r2.seq, r3.seq]) await expectRestores(store, 'rotten', seq, first.state, work);
    // The healed inodes are pool files again; the fresh copies that only staging linked are garbage.
    expect((await gc(store)).poolFilesRemoved).toBe(2);
    await expectFsckClean(store);
    for (const seq of [first.seq, r2.seq, r3.seq]) await expectRestores(store, 'rotten', seq, first.state, work);
  });

  it('stores identical folders on two clients once (dirs/ entries and pool files)', async () => {
    const a = join(work, 'two-a');
    const b = join(work, 'two-b');
    await generateTree(join(a, 'projects'), { files: 400, seed: 21 });
    await writeFile(join(a, 'own-a.txt'), 'only a');
    await mkdir(join(b, 'elsewhere'), { recursive: true });
    // cp -a keeps every mtime, symlinks' own included: the copy is the same folder, entry for entry.
    await promisify(execFile)('cp', ['-a', join(a, 'projects'), join(b, 'elsewhere', 'copy')]);
    await writeFile(join(b, 'own-b.txt'), 'only b');
    const store = await HardlinkStore.open(join(work, 'two-store'), { create: true });
    const ra = await backup(store, a, 'client-a');
    const foldersA = await sharedFolderCount(store);
    const poolA = await poolCount(store);
    const rb = await backup(store, b, 'client-b');
    // b adds its own file only: the folder tree it shares with a is linked, not stored again.
    expect(await poolCount(store)).toBe(poolA + 1);
    const treeA = (await manifest(store, 'client-a', ra.seq)).find((e) => e.path === 'projects')?.tree;
    const treeB = (await manifest(store, 'client-b', rb.seq)).find((e) => e.path === 'elsewhere/copy')?.tree;
    expect(treeA).toBeDefined();
    expect(treeB).toBe(treeA);
    // b's only new folders are the ones around the copy (its root stays a real directory).
    expect(await sharedFolderCount(store)).toBeLessThanOrEqual(foldersA + 1);
    await expectRestores(store, 'client-a', ra.seq, ra.state, work);
    await expectRestores(store, 'client-b', rb.seq, rb.state, work);
    await expectFsckClean(store);
  });

  it('deleting snapshots in every order, then gc, leaves fsck clean and the rest restoring', async () => {
    const orders = [
      [1, 2, 3],
      [1, 3, 2],
      [2, 1, 3],
      [2, 3, 1],
      [3, 1, 2],
      [3, 2, 1],
    ];
    for (const order of orders) {
      const src = join(work, `order-src-${order.join('')}`);
      await generateTree(src, { files: 300, seed: 31 });
      const store = await HardlinkStore.open(join(work, `order-${order.join('')}`), { create: true });
      const states = new Map<number, TreeState>();
      const s1 = await backup(store, src, 'pc');
      states.set(s1.seq, s1.state);
      await writeFile(join(src, 'links', 'added.txt'), 'second');
      const d = (await topFolders(src))[0]!;
      await rm(join(src, d), { recursive: true });
      const s2 = await backup(store, src, 'pc');
      states.set(s2.seq, s2.state);
      await mkdir(join(src, 'third'));
      for (let i = 0; i < 20; i++) await writeFile(join(src, 'third', `t${i}`), `third ${i}`);
      const s3 = await backup(store, src, 'pc');
      states.set(s3.seq, s3.state);
      for (const seq of order) {
        await store.deleteSnapshot('pc', seq);
        states.delete(seq);
        await gc(store);
        await expectFsckClean(store);
        for (const [left, state] of states) await expectRestores(store, 'pc', left, state, work);
      }
      expect(await sharedFolderCount(store)).toBe(0);
      expect(await poolCount(store)).toBe(0);
      await removeDir(src);
      await removeDir(store.root);
    }
  });

  it('opens a format-1 store as it is, backs up into it and prunes it', async () => {
    const src = join(work, 'v1-src');
    await generateTree(src, { files: 400, seed: 41 });
    const root = join(work, 'v1-store');
    // Format 1 on disk: real directories only, no trees file, no dirs/, format.json version 1.
    const old = await HardlinkStore.open(root, { create: true, sharedFolderThreshold: Number.MAX_SAFE_INTEGER });
    const s1 = await backup(old, src, 'pc');
    await rm(join(root, 'dirs'), { recursive: true });
    const fmt = JSON.parse(await readFile(join(root, 'format.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(root, 'format.json'), JSON.stringify({ ...fmt, version: 1 }));
    await expect(readdir(join(store1Dir(root, s1.seq), '.backtrac'))).resolves.toEqual(['manifest.jsonl.gz', 'snapshot.json']);

    const store = await HardlinkStore.open(root);
    expect(store.format.version).toBe(1);
    await expectFsckClean(store);
    await writeFile(join(src, 'links', 'new.txt'), 'after the upgrade');
    const s2 = await backup(store, src, 'pc');
    expect(JSON.parse(await readFile(join(root, 'format.json'), 'utf8'))).toMatchObject({ version: 2 });
    expect(await sharedFolderCount(store)).toBeGreaterThan(0);
    await expectRestores(store, 'pc', s1.seq, s1.state, work);
    await expectRestores(store, 'pc', s2.seq, s2.state, work);
    await expectFsckClean(store);
    await store.deleteSnapshot('pc', s1.seq);
    await gc(store);
    await expectFsckClean(store);
    await expectRestores(store, 'pc', s2.seq, s2.state, work);
    await removeDir(src);
  });

  it('stores client symlinks whose targets look like dirs/ paths, and hostile names, as data and never follows them', async () => {
    const src = join(work, 'hostile-src');
    await generateTree(join(src, 'real'), { files: 200, seed: 51 });
    const store = await HardlinkStore.open(join(work, 'hostile-store'), { create: true });
    const first = await backup(store, src, 'pc');
    const realTree = (await manifest(store, 'pc', first.seq)).find((e) => e.path === 'real')!.tree!;
    const inside = (await readdir(store.sharedFolderPath(realTree))).find((n) => n.endsWith('.txt') || n.endsWith('.dat'))!;
    // Links that would reach another folder of the store if they were ever followed.
    await mkdir(join(src, 'evil'));
    await symlink(`../../../dirs/${realTree.slice(0, 2)}/${realTree.slice(2, 4)}/${realTree}`, join(src, 'evil', 'looks-shared'));
    await symlink(`../../../../dirs/${realTree.slice(0, 2)}/${realTree.slice(2, 4)}/${realTree}`, join(src, 'evil', 'deeper'));
    await symlink('dirs', join(src, 'evil', 'plain'));
    await mkdir(join(src, 'dirs', 'ab'), { recursive: true });
    await writeFile(join(src, 'dirs', 'ab', '..\u0001x'), 'control char name');
    await writeFile(join(src, 'dirs', 'ab', '~BT~0000'), 'escape-prefix name');
    const second = await backup(store, src, 'pc');
    const entries = await manifest(store, 'pc', second.seq);
    const link = entries.find((e) => e.path === 'evil/looks-shared')!;
    expect(link).toMatchObject({ type: 'symlink', target: `../../../dirs/${realTree.slice(0, 2)}/${realTree.slice(2, 4)}/${realTree}` });
    expect(link.tree).toBeUndefined();
    // The kernel would resolve this path into the shared folder; the store refuses to.
    const snapDir = store.snapshotDir('pc', second.seq);
    expect((await lstat(join(snapDir, 'evil', 'deeper', inside))).isFile()).toBe(true);
    expect(await store.resolveFilePath('pc', second.seq, ['evil', 'deeper', inside])).toBeUndefined();
    expect(await store.resolveFilePath('pc', second.seq, ['evil', 'looks-shared', inside])).toBeUndefined();
    expect(await store.resolveFilePath('pc', second.seq, ['real', inside])).toBe(join(store.sharedFolderPath(realTree), inside));
    expect(await store.resolveFilePath('pc', second.seq, ['dirs', 'ab', '..\u0001x'])).toBeDefined();
    await expectRestores(store, 'pc', second.seq, second.state, work);
    await expectFsckClean(store);
    await store.deleteSnapshot('pc', first.seq);
    await gc(store);
    await expectFsckClean(store);
    await expectRestores(store, 'pc', second.seq, second.state, work);
  });

  it.each([
    ['gc', 'folder-trashed', 1],
    ['delete', 'trash-emptying', 1],
  ])('SIGKILL during %s (%s #%i) leaves finished snapshots intact and fsck clean after the next run', async (op, point, nth) => {
    const src = join(work, `kill-${op}`);
    await generateTree(src, { files: 600, seed: 61 });
    const store = await HardlinkStore.open(join(work, `kill-store-${op}`), { create: true });
    const s1 = await backup(store, src, 'pc');
    for (const d of (await topFolders(src)).slice(0, 1)) await rm(join(src, d), { recursive: true });
    const s2 = await backup(store, src, 'pc');
    const s3 = await backup(store, src, 'pc');
    if (op === 'gc') await store.deleteSnapshot('pc', s1.seq);
    const killed = await run('maintenance-crash-child.ts', [store.root, op, 'pc', String(s1.seq), point, String(nth)]);
    expect(killed.stderr).toBe('');
    expect(killed.signal).toBe('SIGKILL');
    expect((await store.listSnapshots('pc')).map((s) => s.seq)).toEqual([s2.seq, s3.seq]);
    await expectRestores(store, 'pc', s2.seq, s2.state, work);
    const rerun = await run('maintenance-crash-child.ts', [store.root, 'gc', 'pc', '0', 'none', '0']);
    expect(rerun.stderr).toBe('');
    await expectFsckClean(store);
    expect((await fsck(store)).trashItems).toBe(0);
    await expectRestores(store, 'pc', s2.seq, s2.state, work);
    await expectRestores(store, 'pc', s3.seq, s3.state, work);
  });
});

function store1Dir(root: string, seq: number): string {
  return join(root, 'snapshots', 'pc', String(seq));
}
