import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HardlinkStore } from '@backtrac/store';
import { BackupEngine } from '../engine/index.js';
import { memDir, memFile, MemorySource } from '../engine/testing/memory.source.js';
import { snapshotChanges } from '../engine/testing/snapshot-changes.js';
import { removeDir, tempDir } from '../engine/testing/tree.fixture.js';
import { ShareSetSource } from './share-set.source.js';

describe('ShareSetSource excludes in a backup', () => {
  async function freshStore(): Promise<HardlinkStore> {
    const work = await tempDir('share-set');
    onTestFinished(() => removeDir(work));
    return HardlinkStore.open(join(work, 'store'), { create: true });
  }

  const tree = () =>
    new MemorySource(
      memDir({ 'a.tmp': memFile('t'), keep: memFile('k'), cache: memDir({ big: memFile('b') }), docs: memDir({ 'b.tmp': memFile('t2'), 'c.txt': memFile('c') }) }),
    );
  const share = (source: MemorySource, excludes: string[], root: string[] = []) => new ShareSetSource([{ name: 'data', source, root, excludes, mtime: 0 }]);

  async function manifestPaths(store: HardlinkStore, seq: number): Promise<string[]> {
    const paths: string[] = [];
    for await (const e of store.readManifest('c', seq)) paths.push(e.path);
    return paths;
  }

  it("leaves a share's excluded entries out of the snapshot, and the catalog sees them removed", async () => {
    const store = await freshStore();
    const engine = new BackupEngine(store);
    const r1 = await engine.run(share(tree(), []), { client: 'c', jobId: 'j1' });
    expect(r1.counters.filesNew).toBe(5);
    const source = tree();
    const r2 = await engine.run(share(source, ['*.tmp', '/cache/']), { client: 'c', jobId: 'j2' });
    expect(r2.outcome).toBe('complete');
    expect(r2.counters.filesDeleted).toBe(3);
    const removed = (await snapshotChanges(store, 'c', r1.seq, r2.seq)).filter((c) => c.kind === 'removed').map((c) => c.path);
    expect(removed.sort()).toEqual(['data/a.tmp', 'data/cache', 'data/cache/big', 'data/docs/b.tmp']);
    expect(await manifestPaths(store, r2.seq)).toEqual(['data', 'data/docs', 'data/docs/c.txt', 'data/keep']);
  });

  it("matches a share's anchored patterns relative to the share's own root directory", async () => {
    const source = new MemorySource(memDir({ sub: memDir({ cache: memDir({ big: memFile('b') }), keep: memFile('k') }) }));
    const store = await freshStore();
    const r = await new BackupEngine(store).run(share(source, ['/cache/'], ['sub']), { client: 'c', jobId: 'j1' });
    expect(r.counters.filesNew).toBe(1);
    // Nothing below an excluded directory is read.
    expect(source.filesOpened).toBe(1);
    expect(await manifestPaths(store, r.seq)).toEqual(['data', 'data/keep']);
  });
});
