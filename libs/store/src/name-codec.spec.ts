import { describe, expect, it } from 'vitest';
import { comparePaths, encodeName, encodePath, ESCAPE_PREFIX, isLinuxSafeName, needsEncoding } from './name-codec.js';

const hostile = ['..', '.', '', 'a/b', '../../etc/passwd', 'nul\0byte', '.backtrac', `${ESCAPE_PREFIX}x`, 'é'.repeat(128), '\ud800lone'];

describe('encodeName', () => {
  it('keeps ordinary and merely odd names verbatim', () => {
    for (const name of ['report.pdf', '-rf', '--help', 'tab\there', 'bell\x07', 'CON', 'nul', 'caf\u00e9', 'cafe\u0301', 'x'.repeat(255), ' lead space', 'trail.']) {
      expect(needsEncoding(name)).toBe(false);
      expect(encodeName(name)).toBe(name);
    }
  });

  it('maps every hostile name to one safe component of at most 255 bytes', () => {
    for (const name of hostile) {
      const enc = encodeName(name);
      expect(enc.startsWith(ESCAPE_PREFIX)).toBe(true);
      expect(enc).not.toContain('/');
      expect(enc).not.toContain('\0');
      expect(['.', '..', '']).not.toContain(enc);
      expect(Buffer.byteLength(enc)).toBeLessThanOrEqual(255);
      expect(isLinuxSafeName(enc)).toBe(true);
    }
  });

  it('gives distinct names distinct encodings, deterministically', () => {
    const encs = hostile.map(encodeName);
    expect(new Set(encs).size).toBe(hostile.length);
    expect(hostile.map(encodeName)).toEqual(encs);
    expect(encodeName('\ud800')).not.toBe(encodeName('\ud801'));
    expect(encodeName('x'.repeat(256))).not.toBe(encodeName('x'.repeat(257)));
  });

  it('keeps Unicode normalisation variants apart', () => {
    expect(encodeName('caf\u00e9')).not.toBe(encodeName('cafe\u0301'));
  });

  it('joins encoded components so no path escapes its root', () => {
    expect(encodePath(['a', '..', 'b'])).toMatch(/^a\/~BT~[0-9a-f]{32}~\.\.\/b$/);
    expect(encodePath(['x/y']).split('/')).toHaveLength(1);
  });
});

describe('comparePaths', () => {
  it('orders a directory right before its descendants', () => {
    const paths = [['a!'], ['a', 'b'], ['a'], ['b'], ['a', 'b', 'c'], ['a', 'a']];
    expect(paths.sort(comparePaths)).toEqual([['a'], ['a', 'a'], ['a', 'b'], ['a', 'b', 'c'], ['a!'], ['b']]);
  });
});
