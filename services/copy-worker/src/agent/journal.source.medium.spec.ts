import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HardlinkStore, type ManifestEntry, restoreSnapshot, fsck } from '@backtrac/store';
import { startSamba, type SambaServer } from '../../../../test/harness/samba.js';
import { ShareSetSource } from '../backup/share-set.source.js';
import { BackupEngine, type BackupSource, type SourceEntry } from '../engine/index.js';
import { openBackupSource } from '../engine/source-factory.js';
import type { SmbShareSource } from '../engine/smb-share.source.js';
import { readTreeState, removeDir, tempDir } from '../engine/testing/tree.fixture.js';
import { DirtyDirectories } from './dirty-directories.js';
import { JournalSource, PreviousListings } from './journal.source.js';

const USER = 'journal';
const PASSWORD = 'Journal-pass-1';

/** Counts the directories listed on the share itself. */
class CountingSource implements BackupSource {
  readonly listed: string[] = [];
  constructor(readonly inner: SmbShareSource) {}
  list(dir: readonly string[], signal?: AbortSignal): Promise<SourceEntry[]> {
    this.listed.push(dir.join('/'));
    return this.inner.list(dir, signal);
  }
  createReadStream(path: readonly string[], signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    return this.inner.createReadStream(path, signal);
  }
  stat(path: readonly string[]): Promise<SourceEntry> {
    return this.inner.stat(path);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const comparable = (e: ManifestEntry) => ({ path: e.path, type: e.type, size: e.size, mtime: e.mtime, mode: e.mode, sha256: e.sha256, target: e.target });

async function manifest(store: HardlinkStore, seq: number): Promise<ReturnType<typeof comparable>[]> {
  const out = [];
  for await (const e of store.readManifest('pc', seq)) out.push(comparable(e));
  return out;
}

describe('journal mode over a real smbd share', () => {
  let server: SambaServer;
  let work: string;
  let share: string;

  const open = async (): Promise<{ smb: SmbShareSource; counting: CountingSource; set: ShareSetSource }> => {
    const smb = (await openBackupSource(server.url('data', USER), { password: PASSWORD })) as SmbShareSource;
    const counting = new CountingSource(smb);
    return { smb, counting, set: new ShareSetSource([{ name: 'docs', source: counting, root: [], excludes: [], mtime: 0 }]) };
  };

  beforeAll(async () => {
    work = await tempDir('journal-smb');
    share = join(work, 'share');
    for (let d = 0; d < 20; d++) {
      await mkdir(join(share, `d${d}`, 'sub'), { recursive: true });
      for (let f = 0; f < 40; f++) await writeFile(join(share, `d${d}`, `f${f}.txt`), `dir ${d} file ${f}\n`.repeat(f + 1));
      await writeFile(join(share, `d${d}`, 'sub', 'inner.txt'), `inner ${d}`);
    }
    server = await startSamba();
    await server.addUser(USER, PASSWORD);
    await server.addShare('data', share, { readOnly: true });
  });
  afterAll(async () => {
    await server?.stop();
    await removeDir(work);
  });

  it('lists only the changed directories and writes the same snapshot as a full walk', async () => {
    const store = await HardlinkStore.open(join(work, 'store'), { create: true });
    const engine = new BackupEngine(store);
    const full = await open();
    const r1 = await engine.run(full.set, { client: 'pc', jobId: 'j1', seq: 1 });
    await full.set.close();
    expect(r1.counters.filesNew).toBe(20 * 41);

    // The edits an agent would report: a changed file, a new file in a subdirectory, a deleted
    // file, and a new directory (reported as itself; its contents must be walked).
    await writeFile(join(share, 'd3', 'f1.txt'), 'changed contents, longer than before');
    await utimes(join(share, 'd3', 'f1.txt'), new Date(), new Date(Date.now() + 5000));
    await writeFile(join(share, 'd7', 'sub', 'new.txt'), 'new');
    await rm(join(share, 'd11', 'f2.txt'));
    await mkdir(join(share, 'dnew', 'deep'), { recursive: true });
    await writeFile(join(share, 'dnew', 'deep', 'x.txt'), 'in a new tree');
    const dirty = new DirtyDirectories();
    for (const p of ['d3/f1.txt', 'd7/sub/new.txt', 'd11/f2.txt', 'dnew']) dirty.addReported('docs', p);

    const live = await open();
    const journal = new JournalSource(live.set, await PreviousListings.load(store.readManifest('pc', 1), dirty), dirty);
    const r2 = await engine.run(journal, { client: 'pc', jobId: 'j2', seq: 2, previousSeq: 1 });
    await journal.close();
    expect(r2.outcome).toBe('complete');
    expect(live.counting.listed.sort()).toEqual(['', 'd11', 'd3', 'd7', 'd7/sub', 'dnew', 'dnew/deep']);
    // Untouched folders that were shared folders are taken over whole, not even listed from the
    // previous snapshot; only the small ones inside the dirty folders are (d3/sub, d11/sub).
    expect(journal.stats.listedFromSnapshot).toBe(2);
    expect(live.smb.bytesRead).toBe(36 + 3 + 13);
    expect(r2.counters).toMatchObject({ filesNew: 2, filesChanged: 1, filesDeleted: 1, filesUnchanged: 20 * 41 - 2 });

    const walk = await open();
    const r3 = await engine.run(walk.set, { client: 'pc', jobId: 'j3', seq: 3, previousSeq: 1 });
    await walk.set.close();
    expect(walk.counting.listed.length).toBe(1 + 20 * 2 + 2);
    expect(r3.counters).toMatchObject({ filesNew: 2, filesChanged: 1, filesDeleted: 1 });
    expect(await manifest(store, 2)).toEqual(await manifest(store, 3));

    const dest = join(work, 'restored');
    await restoreSnapshot(store, 'pc', 2, join(dest));
    const expected = await readTreeState(share);
    const restored = await readTreeState(join(dest, 'docs'));
    expect([...restored.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, e] of expected) expect(restored.get(path)?.sha256, path).toBe(e.sha256);
    // The folders taken over whole are links to the same shared folders as the full walk's.
    expect((await fsck(store)).issues).toEqual([]);
    expect(await store.readSharedFolders('pc', 2)).toEqual(await store.readSharedFolders('pc', 3));
  });
});
