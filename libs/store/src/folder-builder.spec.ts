import { describe, expect, it } from 'vitest';
import { FolderBuilder, type ClosedFolder } from './folder-builder.js';
import { makeEntry, type ManifestEntry } from './manifest.js';
import { treeHash, treeHashEntry } from './tree-hash.js';

const dir = (path: string): ManifestEntry => makeEntry(path.split('/'), 'directory', { size: 0, mtime: 1000, mode: 0o755 });
const file = (path: string, sha = 'a'.repeat(64)): ManifestEntry => makeEntry(path.split('/'), 'file', { size: 3, mtime: 2000, mode: 0o644 }, { sha256: sha });

describe('FolderBuilder', () => {
  it('closes folders depth-first as the path order leaves them, with the hash of their contents', async () => {
    const closed: ClosedFolder[] = [];
    const builder = new FolderBuilder((f) => {
      closed.push(f);
      return { shared: f.segments.join('/') === 'a/b' };
    });
    for (const e of [dir('a'), dir('a/b'), file('a/b/x'), file('a/b/y'), dir('a/c'), file('a/c/z'), file('a/w'), file('top')]) await builder.add(e);
    const root = await builder.finish();
    expect(closed.map((f) => f.segments.join('/'))).toEqual(['a/b', 'a/c', 'a', '']);
    const [b, c, a] = closed as [ClosedFolder, ClosedFolder, ClosedFolder];
    expect(b.hash).toBe(treeHash([treeHashEntry('x', file('a/b/x')), treeHashEntry('y', file('a/b/y'))]));
    expect(a.hash).toBe(
      treeHash([treeHashEntry('b', dir('a/b'), { hash: b.hash, shared: true }), treeHashEntry('c', dir('a/c'), { hash: c.hash, shared: false }), treeHashEntry('w', file('a/w'))]),
    );
    expect(a.entries).toBe(6);
    expect(a.links).toEqual([{ rel: ['b'], hash: b.hash }]);
    expect(root.entries).toBe(8);
    expect(root.links).toEqual([{ rel: ['a', 'b'], hash: b.hash }]);
  });

  it('keeps the children of folders its closer retains, and refuses an entry without its parent', async () => {
    const builder = new FolderBuilder(() => ({ shared: false, retain: true }));
    await builder.add(dir('d'));
    await builder.add(file('d/f'));
    const root = await builder.finish();
    expect(root.children).toBeDefined();
    await expect(new FolderBuilder(() => ({ shared: false })).add(file('missing/f'))).rejects.toThrow(/no parent directory entry/);
  });
});
