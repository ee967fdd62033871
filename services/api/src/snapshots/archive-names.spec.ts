import { describe, expect, it } from 'vitest';
import { ArchiveSelection, archiveMemberName } from './archive-names.js';

describe('archiveMemberName', () => {
  it('keeps ordinary and Unicode names exactly', () => {
    expect(archiveMemberName(['docs', 'Prüfung "final" 名前.txt'])).toBe('docs/Prüfung "final" 名前.txt');
    expect(archiveMemberName(['docs', '..hidden', 'x..y', 'a:b'])).toBe('docs/..hidden/x..y/a:b');
  });

  it.each([
    ['..'], ['.'], ['a/b'], ['a\\b'], ['nul\0byte'], ['~BT~looks-like-ours'], ['é'.repeat(130)],
  ])('escapes %j so it stays one component', (name) => {
    const member = archiveMemberName(['docs', name, 'f']);
    const parts = member.split('/');
    expect(parts).toHaveLength(3);
    expect(parts[1]).toMatch(/^~BT~[0-9a-f]{32}~/);
    expect(parts[1]).not.toMatch(/[\\/\0]/);
    expect(Buffer.byteLength(parts[1]!)).toBeLessThanOrEqual(255);
    expect(archiveMemberName(['docs', name, 'f'])).toBe(member);
  });

  it('escapes a drive-like first component only', () => {
    expect(archiveMemberName(['C:', 'x'])).toMatch(/^~BT~[0-9a-f]{32}~C_\/x$/);
    expect(archiveMemberName(['docs', 'C:'])).toBe('docs/C:');
  });

  it('gives different names different stand-ins', () => {
    expect(archiveMemberName(['a/b'])).not.toBe(archiveMemberName(['a\\b']));
  });
});

describe('ArchiveSelection', () => {
  it('takes the whole snapshot, named from the root, when nothing is selected', () => {
    const all = new ArchiveSelection([]);
    expect(all.memberName(['docs'])).toBe('docs');
    expect(all.memberName(['docs', 'sub', 'f'])).toBe('docs/sub/f');
  });

  it('names a selected folder and what it holds from the folder itself', () => {
    const sub = new ArchiveSelection([['docs', 'sub']]);
    expect(sub.memberName(['docs'])).toBeNull();
    expect(sub.memberName(['docs', 'sub'])).toBe('sub');
    expect(sub.memberName(['docs', 'sub', 'x', 'f'])).toBe('sub/x/f');
    expect(sub.memberName(['docs', 'subway'])).toBeNull();
    expect(sub.memberName(['docs', 'other', 'f'])).toBeNull();
  });

  it('names selections from different folders relative to their deepest common folder', () => {
    const mixed = new ArchiveSelection([['docs', 'a', 'x.txt'], ['docs', 'b'], ['docs', 'b', 'inner']]);
    expect(mixed.memberName(['docs', 'a', 'x.txt'])).toBe('a/x.txt');
    expect(mixed.memberName(['docs', 'b', 'inner', 'f'])).toBe('b/inner/f');
    expect(mixed.memberName(['docs', 'a', 'y.txt'])).toBeNull();
    const shares = new ArchiveSelection([['docs'], ['photos', 'p.jpg']]);
    expect(shares.memberName(['photos', 'p.jpg'])).toBe('photos/p.jpg');
    expect(shares.memberName(['docs', 'f'])).toBe('docs/f');
  });

  it('keeps a selected file under its own name', () => {
    const one = new ArchiveSelection([['docs', 'sub', 'b.bin']]);
    expect(one.memberName(['docs', 'sub', 'b.bin'])).toBe('b.bin');
  });
});
