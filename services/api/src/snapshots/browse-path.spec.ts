import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { contentDisposition, parseBrowsePath, splitParent } from './browse-path.js';

describe('parseBrowsePath', () => {
  it('splits a relative catalog path into its components', () => {
    expect(parseBrowsePath('docs/a b/ü.txt', { allowRoot: false })).toEqual(['docs', 'a b', 'ü.txt']);
    expect(parseBrowsePath('docs/..hidden/x..y', { allowRoot: false })).toEqual(['docs', '..hidden', 'x..y']);
  });

  it('gives the root for an empty path only where the root makes sense', () => {
    expect(parseBrowsePath(undefined, { allowRoot: true })).toEqual([]);
    expect(parseBrowsePath('', { allowRoot: true })).toEqual([]);
    expect(() => parseBrowsePath('', { allowRoot: false })).toThrow('path is required');
  });

  it.each([
    ['/etc/passwd', 'no leading "/"'],
    ['docs/../../etc', '".." components'],
    ['..', '".." components'],
    ['docs/./a', '"." or ".." components'],
    ['docs//a', 'empty components'],
    ['docs/', 'empty components'],
    ['docs/a\0b', 'NUL'],
    ['x'.repeat(5000), 'at most'],
  ])('refuses %j with a 400 that says why', (raw, reason) => {
    let thrown: unknown;
    try {
      parseBrowsePath(raw, { allowRoot: true });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BadRequestException);
    expect((thrown as BadRequestException).message).toContain(reason);
  });

  it('refuses a repeated query parameter (an array)', () => {
    expect(() => parseBrowsePath(['a', 'b'], { allowRoot: true })).toThrow('given once');
  });
});

describe('splitParent', () => {
  it('separates the directory from the name', () => {
    expect(splitParent(['docs', 'sub', 'f.txt'])).toEqual({ parent: 'docs/sub', name: 'f.txt' });
    expect(splitParent(['docs'])).toEqual({ parent: '', name: 'docs' });
  });
});

describe('contentDisposition', () => {
  it('keeps plain names readable and encodes the exact name for browsers', () => {
    expect(contentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    const header = contentDisposition('Prüfung "final" 100%.txt');
    expect(header).toContain('filename="Pr_fung _final_ 100_.txt"');
    expect(header).toContain(`filename*=UTF-8''Pr%C3%BCfung%20%22final%22%20100%25.txt`);
    expect(decodeURIComponent(header.split("UTF-8''")[1]!)).toBe('Prüfung "final" 100%.txt');
  });

  it('never lets a name break out of the header', () => {
    const header = contentDisposition('a\r\nSet-Cookie: x=1');
    expect(header).not.toMatch(/[\r\n]/);
  });
});
