import { describe, expect, it } from 'vitest';
import { makeEntry, type ManifestEntry } from '@backtrac/store';
import { diffManifests } from './manifest-diff.js';

async function* stream(entries: ManifestEntry[]): AsyncGenerator<ManifestEntry> {
  yield* entries;
}
const dir = (path: string[], mtime = 1) => makeEntry(path, 'directory', { size: 0, mtime });
const file = (path: string[], sha: string, size = 3, mtime = 1) => makeEntry(path, 'file', { size, mtime, mode: 0o644 }, { sha256: sha });

async function collect(a: ManifestEntry[], b: ManifestEntry[]) {
  const out = [];
  for await (const change of diffManifests(stream(a), stream(b))) out.push(change);
  return out;
}

describe('diffManifests', () => {
  it('reports nothing for identical manifests', async () => {
    const tree = [dir([]), dir(['docs']), file(['docs', 'a.txt'], 'aa')];
    expect(await collect(tree, tree)).toEqual([]);
  });

  it('reports every entry of a first snapshot as added, except the root', async () => {
    const changes = await collect([], [dir([]), dir(['docs']), file(['docs', 'a.txt'], 'aa')]);
    expect(changes.map((c) => c.kind)).toEqual(['added', 'added']);
    expect(changes[1]).toEqual({ kind: 'added', entry: { parent: 'docs', name: 'a.txt', type: 'file', size: 3, mtime: 1, mode: 0o644, sha256: 'aa', linkTarget: null } });
  });

  it('finds added, changed and removed entries in one pass, in path order', async () => {
    const before = [dir([]), dir(['a']), file(['a', 'keep'], 'k'), file(['a', 'old'], 'o'), file(['b'], 'b1')];
    const after = [dir([]), dir(['a']), file(['a', 'keep'], 'k'), file(['a', 'new'], 'n'), file(['b'], 'b2', 4, 2), makeEntry(['c'], 'symlink', { size: 1, mtime: 1 }, { target: 'b' })];
    const changes = await collect(before, after);
    expect(changes.map((c) => [c.kind, 'entry' in c ? `${c.entry.parent}/${c.entry.name}` : `${c.parent}/${c.name}`])).toEqual([
      ['added', 'a/new'],
      ['removed', 'a/old'],
      ['changed', '/b'],
      ['added', '/c'],
    ]);
  });

  it('treats a type change (file became a directory) as a new version', async () => {
    const changes = await collect([dir([]), file(['x'], 'x')], [dir([]), dir(['x'])]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'changed', entry: { name: 'x', type: 'dir' } });
  });
});
