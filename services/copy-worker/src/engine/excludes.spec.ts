import { describe, expect, it } from 'vitest';
import { ExcludeMatcher } from './excludes.js';

const ex = (patterns: string[], path: string, dir = false, caseInsensitive = false): boolean =>
  new ExcludeMatcher(patterns, { caseInsensitive }).isExcluded(path.split('/'), dir);

describe('ExcludeMatcher', () => {
  it('matches a slash-less pattern on the name at any depth, dot-files included', () => {
    expect(ex(['*.tmp'], 'a/b/c.tmp')).toBe(true);
    expect(ex(['*.tmp'], '.cache/.x.tmp')).toBe(true);
    expect(ex(['Thumbs.db'], 'Pictures/2020/Thumbs.db')).toBe(true);
    expect(ex(['*.tmp'], 'a/b/c.tmpx')).toBe(false);
  });

  it('anchors patterns containing a slash at the share root', () => {
    expect(ex(['Users/*/AppData/**'], 'Users/ann/AppData/Local/x')).toBe(true);
    expect(ex(['Users/*/AppData'], 'Users/ann/AppData', true)).toBe(true);
    expect(ex(['Users/*/AppData/**'], 'Backup/Users/ann/AppData/x')).toBe(false);
    expect(ex(['/pagefile.sys'], 'pagefile.sys')).toBe(true);
    expect(ex(['/pagefile.sys'], 'sub/pagefile.sys')).toBe(false);
  });

  it('limits a trailing-slash pattern to directories', () => {
    expect(ex(['node_modules/'], 'app/node_modules', true)).toBe(true);
    expect(ex(['node_modules/'], 'app/node_modules', false)).toBe(false);
  });

  it('is case-sensitive unless asked otherwise', () => {
    expect(ex(['*.TMP'], 'x.tmp')).toBe(false);
    expect(ex(['*.TMP'], 'x.tmp', false, true)).toBe(true);
  });

  it('ignores blanks and comments and never excludes the root', () => {
    const m = new ExcludeMatcher(['', '   ', '# a comment']);
    expect(m.empty).toBe(true);
    expect(new ExcludeMatcher(['**']).isExcluded([], true)).toBe(false);
  });
});
