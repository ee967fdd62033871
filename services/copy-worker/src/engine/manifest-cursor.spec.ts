import { makeEntry, type ManifestEntry } from '@backtrac/store';
import { describe, expect, it } from 'vitest';
import { ManifestCursor } from './manifest-cursor.js';

async function* from(entries: ManifestEntry[]): AsyncGenerator<ManifestEntry> {
  yield* entries;
}

const file = (...segs: string[]): ManifestEntry => makeEntry(segs, 'file', { size: 1, mtime: 1 }, { sha256: 'a'.repeat(64) });
const dir = (...segs: string[]): ManifestEntry => makeEntry(segs, 'directory', { size: 0, mtime: 1 });

describe('ManifestCursor', () => {
  it('finds matches and reports what the walk passed over as removed', async () => {
    const prev = [dir('a'), file('a', 'gone'), file('a', 'keep'), dir('a', 'sub'), file('a', 'sub', 'x'), file('b'), file('c')];
    const removed: string[] = [];
    const cursor = new ManifestCursor(from(prev), (e) => removed.push(e.path));
    expect((await cursor.seek(['a']))?.path).toBe('a');
    expect((await cursor.seek(['a', 'keep']))?.path).toBe('a/keep');
    expect(await cursor.seek(['a', 'new'])).toBeUndefined();
    expect((await cursor.seek(['b']))?.path).toBe('b');
    await cursor.drain();
    expect(removed).toEqual(['a/gone', 'a/sub', 'a/sub/x', 'c']);
  });

  it('uses true segments for names containing a slash', async () => {
    const odd = makeEntry(['a/b'], 'file', { size: 1, mtime: 1 }, { sha256: 'b'.repeat(64) });
    const removed: string[] = [];
    const cursor = new ManifestCursor(from([dir('a'), file('a', 'b'), odd]), (e) => removed.push(JSON.stringify(e.segments ?? e.path)));
    expect((await cursor.seek(['a/b']))?.segments).toEqual(['a/b']);
    expect(removed).toEqual(['"a"', '"a/b"']);
  });

  it('treats a missing previous manifest as empty', async () => {
    const cursor = new ManifestCursor(undefined, () => {
      throw new Error('nothing to pass');
    });
    expect(await cursor.seek(['x'])).toBeUndefined();
    await cursor.drain();
  });
});
