import { appendFile, mkdir, readdir, rename, rm, stat, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsck, HardlinkStore, restoreSnapshot, walkPool } from '@backtrac/store';
import { BackupEngine, type BackupLogEvent, type BackupResult } from './backup-engine.js';
import type { BackupProgress } from './progress-meter.js';
import { LocalDirectorySource } from './local-directory.source.js';
import { fileSha, snapshotChanges, type PathChange } from './testing/snapshot-changes.js';
import { diffTreeStates, generateTree, readTreeState, removeDir, tempDir, writeBigFile, type TreeState } from './testing/tree.fixture.js';

const FILES = Number(process.env.BT_ENGINE_TEST_FILES ?? 3000);
const BIG = Number(process.env.BT_ENGINE_TEST_BIG_MIB ?? 200) * 1024 * 1024;

describe('BackupEngine on a local directory', () => {
  let work: string;
  let src: string;
  let store: HardlinkStore;
  const expected = new Map<number, TreeState>();

  beforeAll(async () => {
    work = await tempDir('engine');
    src = join(work, 'src');
    await generateTree(src, { files: FILES, seed: 42, bigFileBytes: BIG });
    store = await HardlinkStore.open(join(work, 'store'), { create: true });
  });
  afterAll(async () => {
    await removeDir(work);
  });

  async function backup(opts: { full?: boolean } = {}): Promise<{ result: BackupResult; changes: PathChange[]; source: LocalDirectorySource; logs: BackupLogEvent[]; progress: BackupProgress[] }> {
    const source = new LocalDirectorySource(new URL(`file://${src}`));
    const logs: BackupLogEvent[] = [];
    const progress: BackupProgress[] = [];
    const state = await readTreeState(src);
    const result = await new BackupEngine(store).run(source, {
      client: 'pc-1',
      jobId: `job-${Date.now()}`,
      full: opts.full ?? false,
      filesInFlight: 4,
      onLog: (l) => logs.push(l),
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 50,
    });
    expected.set(result.seq, state);
    return { result, changes: await snapshotChanges(store, 'pc-1', result.previousSeq, result.seq), source, logs, progress };
  }

  /** The newest snapshot after each run; every snapshot again after the last run (restores are the slow part). */
  async function expectSnapshotsRestore(which: 'newest' | 'all'): Promise<void> {
    const seqs = [...expected.keys()];
    for (const seq of which === 'all' ? seqs : seqs.slice(-1)) {
      const state = expected.get(seq) as TreeState;
      const dest = join(work, `restore-${seq}-${Date.now()}`);
      await restoreSnapshot(store, 'pc-1', seq, dest);
      expect(diffTreeStates(state, await readTreeState(dest)), `snapshot ${seq}`).toEqual([]);
      await removeDir(dest);
    }
    const report = await fsck(store);
    expect(report.issues).toEqual([]);
    expect(report.ok).toBe(true);
  }

  function fileCount(state: TreeState): { files: number; bytes: number } {
    let files = 0;
    let bytes = 0;
    for (const e of state.values()) {
      if (e.type !== 'file') continue;
      files++;
      bytes += e.size;
    }
    return { files, bytes };
  }

  it('full backup stores every file and restores byte-identical with mtimes', async () => {
    const { result, changes, source, progress } = await backup();
    const totals = fileCount(expected.get(result.seq) as TreeState);
    expect(result.seq).toBe(1);
    expect(result.outcome).toBe('complete');
    expect(result.counters.filesNew).toBe(totals.files);
    expect(result.counters.bytesRead).toBe(totals.bytes);
    expect(source.bytesRead).toBe(totals.bytes);
    // Duplicated contents are stored once.
    expect(result.counters.bytesStoredNew).toBeLessThan(totals.bytes);
    expect(changes.filter((c) => c.kind === 'added' && c.entry.type === 'file')).toHaveLength(totals.files);
    const last = progress.at(-1) as BackupProgress;
    expect(last.filesDone).toBe(totals.files);
    expect(last.filesTotal).toBe(totals.files);
    expect(last.bytesTotal).toBe(totals.bytes);
    expect(progress.some((p) => p.currentPath !== undefined)).toBe(true);
    await expectSnapshotsRestore('newest');
  });

  it('an unchanged incremental reads zero bytes and records no changes', async () => {
    const { result, changes, source } = await backup();
    const totals = fileCount(expected.get(result.seq) as TreeState);
    expect(result.seq).toBe(2);
    expect(source.bytesRead).toBe(0);
    expect(source.filesOpened).toBe(0);
    expect(result.counters).toMatchObject({ filesNew: 0, filesChanged: 0, filesDeleted: 0, bytesRead: 0, bytesStoredNew: 0, filesUnchanged: totals.files });
    expect(changes).toEqual([]);
    await expectSnapshotsRestore('newest');
  });

  it('an incremental after edits, renames and deletes records exactly those', async () => {
    const files = [...(expected.get(2) as TreeState)].filter(([p, e]) => e.type === 'file' && e.size > 0 && !p.startsWith('big/')).map(([p]) => p);
    const edited = files.slice(0, 20);
    for (const p of edited) await appendFile(join(src, p), 'edited');
    // Same size, same content length, but a new mtime and different bytes: must be re-read.
    const sameSize = files[25] as string;
    const st = await stat(join(src, sameSize));
    await writeFile(join(src, sameSize), Buffer.alloc(st.size, 7));
    await utimes(join(src, sameSize), st.atime, new Date(st.mtimeMs + 5000));
    const renamed = files.slice(30, 40);
    for (const p of renamed) await rename(join(src, p), join(src, `${p}.renamed`));
    const deleted = files.slice(40, 50);
    for (const p of deleted) await unlink(join(src, p));
    await rm(join(src, 'links'), { recursive: true });
    await mkdir(join(src, 'links'));
    await symlink('elsewhere', join(src, 'links', 'relative'));
    await mkdir(join(src, 'new dir', 'deeper'), { recursive: true });
    await writeFile(join(src, 'new dir', 'deeper', 'fresh.txt'), 'brand new content');
    await writeBigFile(join(src, 'big', 'large.bin'), BIG, 43);

    const { result, changes, source } = await backup();
    expect(result.seq).toBe(3);
    expect(changes.filter((c) => c.kind === 'changed' && c.entry.type === 'file').map((c) => c.path).sort()).toEqual([...edited, sameSize, 'big/large.bin'].sort());
    expect(result.counters.filesChanged).toBe(edited.length + 2);
    expect(result.counters.filesNew).toBe(renamed.length + 1);
    expect(result.counters.filesDeleted).toBe(renamed.length + deleted.length);
    // Renamed files are read again (new path) but their contents are already pooled.
    const renamedBytes = (await Promise.all(renamed.map(async (p) => (await stat(join(src, `${p}.renamed`))).size))).reduce((a, b) => a + b, 0);
    const editedBytes = (await Promise.all([...edited, sameSize].map(async (p) => (await stat(join(src, p))).size))).reduce((a, b) => a + b, 0);
    expect(source.bytesRead).toBe(renamedBytes + editedBytes + BIG + 'brand new content'.length);
    const removedPaths = changes.filter((c) => c.kind === 'removed' && !c.path.startsWith('links/')).map((c) => c.path).sort();
    expect(removedPaths).toEqual([...renamed, ...deleted].sort());
    const changedLinks = changes.filter((c) => c.path.startsWith('links/'));
    expect(changedLinks.map((c) => `${c.kind} ${c.path}`).sort()).toEqual([
      'changed links/relative',
      'removed links/absolute',
      'removed links/dangling',
      'removed links/parent',
    ]);
    expect(changes.filter((c) => c.kind === 'added' && c.entry.type === 'dir').map((c) => c.path)).toEqual(['new dir', 'new dir/deeper']);
    await expectSnapshotsRestore('newest');
  });

  it('a full backup re-reads everything and finds nothing changed', async () => {
    const { result, changes, source } = await backup({ full: true });
    const totals = fileCount(expected.get(result.seq) as TreeState);
    expect(source.bytesRead).toBe(totals.bytes);
    expect(result.counters).toMatchObject({ filesNew: 0, filesChanged: 0, filesDeleted: 0, bytesStoredNew: 0, filesUnchanged: totals.files });
    expect(changes).toEqual([]);
    await expectSnapshotsRestore('all');
  });
});

describe('deduplication across clients and paths', () => {
  it('stores identical content once (pool file count and bytes)', async () => {
    const work = await tempDir('dedup');
    try {
      const store = await HardlinkStore.open(join(work, 'store'), { create: true });
      const a = join(work, 'a');
      const b = join(work, 'b');
      await mkdir(join(a, 'docs'), { recursive: true });
      await mkdir(join(b, 'other', 'place'), { recursive: true });
      const shared = Buffer.alloc(100_000, 'shared');
      await writeFile(join(a, 'docs', 'one.bin'), shared);
      await writeFile(join(a, 'two.bin'), shared);
      await writeFile(join(b, 'other', 'place', 'three.bin'), shared);
      await writeFile(join(b, 'own.txt'), 'only on b');
      const engine = new BackupEngine(store);
      const r1 = await engine.run(new LocalDirectorySource(a), { client: 'client-a', jobId: 'j1' });
      const r2 = await engine.run(new LocalDirectorySource(b), { client: 'client-b', jobId: 'j2' });
      expect(r1.counters.bytesStoredNew).toBe(shared.length);
      const twoSha = await fileSha(store, 'client-a', r1.seq, 'two.bin');
      expect(r2.counters.bytesStoredNew).toBe('only on b'.length);
      const pool = [];
      for await (const f of walkPool(store)) pool.push(f);
      expect(pool).toHaveLength(2);
      const sizes = await Promise.all(pool.map(async (f) => (await stat(f.abs)).size));
      expect(sizes.reduce((x, y) => x + y, 0)).toBe(shared.length + 'only on b'.length);
      const sharedPool = pool.find((f) => 'sha256' in f && f.sha256 === twoSha);
      expect((await stat(sharedPool!.abs)).nlink).toBe(4);
      expect((await fsck(store)).ok).toBe(true);
    } finally {
      await removeDir(work);
    }
  });
});

describe('source failures', () => {
  it('fails an unreachable source without starting a snapshot', async () => {
    const work = await tempDir('unreach');
    try {
      const store = await HardlinkStore.open(join(work, 'store'), { create: true });
      const missing = new LocalDirectorySource(join(work, 'no-such-share'));
      await expect(new BackupEngine(store).run(missing, { client: 'c', jobId: 'j' })).rejects.toMatchObject({ code: 'SOURCE_UNREACHABLE' });
      expect(await readdir(join(work, 'store', 'snapshots'))).toEqual([]);
    } finally {
      await removeDir(work);
    }
  });
});
