import { describe, expect, it } from 'vitest';
import { treeHash, type TreeHashEntry } from './tree-hash.js';

const file = (name: string, sha = 'a'.repeat(64), extra: Partial<TreeHashEntry> = {}): TreeHashEntry => ({ name, type: 'file', mode: 0o644, mtime: 1_700_000_000_000, size: 3, ref: sha, ...extra });

describe('treeHash', () => {
  it('has a stable encoding (a change to it changes every stored folder name)', () => {
    expect(treeHash([])).toBe('ea132aeb030f691d52d1e776138985fbd62a58dd8e8d623fc8712ba85209c46f');
    expect(treeHash([file('a.txt')])).toBe('165cb06935668962c28162e0aad7b14f5dd7f963101c4856ce2d65d17dcaddbd');
  });

  it('does not depend on the order entries are given in', () => {
    expect(treeHash([file('b'), file('a')])).toBe(treeHash([file('a'), file('b')]));
  });

  it('changes with every field of every entry', () => {
    const base = treeHash([file('a'), file('b')]);
    const variants: TreeHashEntry[][] = [
      [file('a'), file('c')],
      [file('a'), file('b', 'b'.repeat(64))],
      [file('a'), file('b', undefined, { mode: 0o600 })],
      [file('a'), file('b', undefined, { mtime: 1_700_000_000_001 })],
      [file('a'), file('b', undefined, { size: 4 })],
      [file('a'), { ...file('b'), type: 'symlink', ref: 'a'.repeat(64) }],
      [file('a'), { ...file('b'), type: 'directory', size: 0 }],
      [file('a')],
    ];
    const hashes = new Set([base, ...variants.map((v) => treeHash(v))]);
    expect(hashes.size).toBe(variants.length + 1);
  });

  it('tells a shared child folder from a real one with the same content', () => {
    const child = { name: 'd', type: 'directory' as const, mode: 0o755, mtime: 1, size: 0, ref: 'c'.repeat(64) };
    expect(treeHash([{ ...child, shared: true }])).not.toBe(treeHash([{ ...child, shared: false }]));
  });

  it('keeps names that JSON or a separator could confuse apart', () => {
    expect(treeHash([file('a\nb')])).not.toBe(treeHash([file('a'), file('b')]));
    expect(treeHash([file('a","file')])).not.toBe(treeHash([file('a')]));
    expect(treeHash([file('cafe\u0301')])).not.toBe(treeHash([file('caf\u00e9')]));
  });
});
