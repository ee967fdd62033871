import { describe, expect, it } from 'vitest';
import { compileGlob, GlobSyntaxError } from './safe-glob.js';

const m = (pattern: string, path: string, nocase = false) => compileGlob(pattern, { nocase })(path);

describe('compileGlob', () => {
  it('matches *, ?, classes and braces within one segment, dot-files included', () => {
    expect(m('*.tmp', 'a.tmp')).toBe(true);
    expect(m('*.tmp', '.a.tmp')).toBe(true);
    expect(m('*.tmp', 'a.tmpx')).toBe(false);
    expect(m('~$*', '~$report.docx')).toBe(true);
    expect(m('file?.txt', 'file1.txt')).toBe(true);
    expect(m('file?.txt', 'file12.txt')).toBe(false);
    expect(m('[a-c]x', 'bx')).toBe(true);
    expect(m('[!a-c]x', 'bx')).toBe(false);
    expect(m('[^a-c]x', 'dx')).toBe(true);
    expect(m('*.{jpg,png}', 'p.png')).toBe(true);
    expect(m('*.{jpg,png}', 'p.gif')).toBe(false);
    expect(m('a\\*b', 'a*b')).toBe(true);
    expect(m('a\\*b', 'axb')).toBe(false);
    expect(m('*', 'a/b')).toBe(false);
  });

  it('matches ** across segments, including none', () => {
    expect(m('Users/*/AppData/**', 'Users/ann/AppData/Local/x')).toBe(true);
    expect(m('Users/*/AppData/**', 'Users/ann/AppData')).toBe(true);
    expect(m('**/node_modules', 'node_modules')).toBe(true);
    expect(m('**/node_modules', 'a/b/node_modules')).toBe(true);
    expect(m('a/**/z', 'a/z')).toBe(true);
    expect(m('a/**/z', 'a/b/c/z')).toBe(true);
    expect(m('a/**/z', 'a/b/c/y')).toBe(false);
    expect(m('Users/*/AppData/**', 'Backup/Users/ann/AppData/x')).toBe(false);
  });

  it('can ignore case', () => {
    expect(m('*.TMP', 'x.tmp')).toBe(false);
    expect(m('*.TMP', 'x.tmp', true)).toBe(true);
  });

  it('takes linear time on patterns that make regex globs backtrack for hours', () => {
    const name = 'a'.repeat(255);
    const path = Array.from({ length: 60 }, () => 'a'.repeat(200)).join('/');
    const started = performance.now();
    expect(m(`${'*a'.repeat(40)}*b`, name)).toBe(false);
    expect(m(`${'**/'.repeat(30)}*a*a*a*a*a*a*b`, path)).toBe(false);
    expect(m('{a,aa}{a,aa}{a,aa}{a,aa}{a,aa}{a,aa}{a,aa}b', 'a'.repeat(30))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a brace pattern with too many alternatives', () => {
    expect(() => compileGlob('{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}')).toThrow(GlobSyntaxError);
  });
});
