import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '@backtrac/store';
import { datedName, normalizeSelection, planEntry, type RestoreDestination } from './restore-plan.js';

const file = (path: string): ManifestEntry => ({ path, type: 'file', size: 1, mtime: 0, mode: 0, sha256: 'a'.repeat(64) });
const dir = (path: string): ManifestEntry => ({ path, type: 'directory', size: 0, mtime: 0, mode: 0 });
const segs = (entry: ManifestEntry) => entry.path.split('/');

describe('restore plan', () => {
  const original: RestoreDestination = { kind: 'original', shares: new Map([['docs', { key: 's1', root: ['users', 'ann'] }]]) };
  const folder: RestoreDestination = { kind: 'folder', key: 's2', base: ['restored'] };

  it('drops selected paths that lie inside another selected one', () => {
    expect(normalizeSelection(['docs/a/b.txt', 'docs/a', 'docs/c', 'docs/a'])).toEqual([['docs', 'a'], ['docs', 'c']]);
    expect(normalizeSelection([])).toEqual([]);
  });

  it('puts entries back under their share root, or under the folder keeping the selected name', () => {
    const entry = file('docs/a/b/c.txt');
    expect(planEntry(entry, segs(entry), [], original, false)).toEqual({ planned: { entry, segments: segs(entry), key: 's1', path: ['users', 'ann', 'a', 'b', 'c.txt'], authoritative: false } });
    expect(planEntry(entry, segs(entry), [['docs', 'a']], folder, false)).toMatchObject({ planned: { key: 's2', path: ['restored', 'a', 'b', 'c.txt'] } });
    expect(planEntry(entry, segs(entry), [], folder, false)).toMatchObject({ planned: { path: ['restored', 'docs', 'a', 'b', 'c.txt'] } });
    expect(planEntry(entry, segs(entry), [['docs', 'x']], folder, false)).toBeNull();
    // A selected path must match whole components.
    expect(planEntry(file('docs/ab'), ['docs', 'ab'], [['docs', 'a']], folder, false)).toBeNull();
  });

  it('makes only folders authoritative for mirror, and reports what cannot be placed', () => {
    const folderEntry = dir('docs/a');
    expect(planEntry(folderEntry, segs(folderEntry), [], original, true)).toMatchObject({ planned: { authoritative: true } });
    expect(planEntry(file('docs/a/x'), ['docs', 'a', 'x'], [], original, true)).toMatchObject({ planned: { authoritative: false } });
    expect(planEntry(file('gone/x'), ['gone', 'x'], [], original, false)).toEqual({ unplaceable: 'the client has no share named "gone" any more' });
    expect(planEntry(file('docs/a\\b'), ['docs', 'a\\b'], [], original, false)).toMatchObject({ unplaceable: expect.stringContaining('SMB cannot carry') });
  });

  it('gives the restored copy a dated name before its extension', () => {
    const at = new Date('2026-03-04T05:06:07.890Z');
    expect(datedName('report.xlsx', at)).toBe('report.restored-20260304T050607Z.xlsx');
    expect(datedName('Makefile', at)).toBe('Makefile.restored-20260304T050607Z');
    expect(datedName('.bashrc', at)).toBe('.bashrc.restored-20260304T050607Z');
    expect(datedName('a.tar.gz', at)).toBe('a.tar.restored-20260304T050607Z.gz');
  });
});
