import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '@backtrac/store';
import type { BackupSource, SourceEntry } from '../engine/index.js';
import { DirtyDirectories } from './dirty-directories.js';
import { JournalSource, PreviousListings } from './journal.source.js';

const dirty = (...reported: string[]): DirtyDirectories => {
  const d = new DirtyDirectories();
  for (const r of reported) d.addReported('docs', r);
  return d;
};

describe('DirtyDirectories', () => {
  it('marks the ancestors-or-self of a changed path\'s parent, not its siblings', () => {
    const d = dirty('a/b/c.txt');
    expect(d.mustList([])).toBe(true);
    expect(d.mustList(['docs'])).toBe(true);
    expect(d.mustList(['docs', 'a'])).toBe(true);
    expect(d.mustList(['docs', 'a', 'b'])).toBe(true);
    expect(d.mustList(['docs', 'a', 'x'])).toBe(false);
    expect(d.mustList(['docs', 'z'])).toBe(false);
    expect(d.mustList(['other'])).toBe(false);
  });

  it('walks a reported directory and everything below it', () => {
    const d = dirty('new');
    expect(d.mustList(['docs', 'new'])).toBe(true);
    expect(d.mustList(['docs', 'new', 'deep', 'deeper'])).toBe(true);
    expect(d.mustList(['docs', 'newer'])).toBe(false);
  });

  it('walks the whole share for a path that climbs out or names the root', () => {
    expect(dirty('../etc/passwd').mustList(['docs', 'anything', 'below'])).toBe(true);
    expect(dirty('').mustList(['docs', 'x'])).toBe(true);
    expect(dirty('./a//b/').mustList(['docs', 'a', 'b', 'c'])).toBe(true);
    expect(dirty('../x').mustList(['other'])).toBe(false);
  });

  it('keeps names with NUL-free odd characters apart', () => {
    const d = dirty('a b/ü.txt');
    expect(d.mustList(['docs', 'a b'])).toBe(true);
    expect(d.mustList(['docs', 'a'])).toBe(false);
  });
});

const m = (path: string, type: ManifestEntry['type'], size = 0, extra: Partial<ManifestEntry> = {}): ManifestEntry => ({ path, type, size, mtime: 1000, mode: 0o644, ...extra });

async function* manifest(): AsyncGenerator<ManifestEntry> {
  yield m('docs', 'directory');
  yield m('docs/a', 'directory');
  yield m('docs/a/one.txt', 'file', 3, { sha256: 'x' });
  yield m('docs/b', 'directory');
  yield m('docs/b/two.txt', 'file', 5, { sha256: 'y' });
  yield m('docs/b/link', 'symlink', 3, { target: 'two.txt' });
  yield m('docs/empty', 'directory');
}

class CountingSource implements BackupSource {
  readonly listed: string[] = [];
  async list(dir: readonly string[]): Promise<SourceEntry[]> {
    this.listed.push(dir.join('/'));
    return [{ name: 'live', type: 'file', size: 1, mtime: 2 }];
  }
  createReadStream(): Promise<AsyncIterable<Uint8Array>> {
    throw new Error('not read in this test');
  }
  stat(): Promise<SourceEntry> {
    throw new Error('not read in this test');
  }
}

describe('JournalSource', () => {
  it('lists dirty directories live and answers the others from the previous snapshot', async () => {
    const d = dirty('a/one.txt');
    const inner = new CountingSource();
    const source = new JournalSource(inner, await PreviousListings.load(manifest(), d), d);

    expect(await source.list([])).toEqual([{ name: 'live', type: 'file', size: 1, mtime: 2 }]);
    await source.list(['docs']);
    await source.list(['docs', 'a']);
    const b = await source.list(['docs', 'b']);
    expect(b).toEqual([
      { name: 'two.txt', type: 'file', size: 5, mtime: 1000, mode: 0o644 },
      { name: 'link', type: 'symlink', size: 3, mtime: 1000, mode: 0o644, symlinkTarget: 'two.txt' },
    ]);
    expect(await source.list(['docs', 'empty'])).toEqual([]);
    // Not in the previous snapshot: must come from the share.
    await source.list(['docs', 'b', 'unknown']);
    expect(inner.listed).toEqual(['', 'docs', 'docs/a', 'docs/b/unknown']);
    expect(source.stats).toEqual({ listedLive: 4, listedFromSnapshot: 2 });
  });

  it('hands out a copy the engine may sort in place', async () => {
    const d = dirty('a/one.txt');
    const source = new JournalSource(new CountingSource(), await PreviousListings.load(manifest(), d), d);
    const first = await source.list(['docs', 'b']);
    first.reverse();
    expect((await source.list(['docs', 'b']))[0]!.name).toBe('two.txt');
  });
});
