import { describe, expect, it } from 'vitest';
import { nameLikePattern } from './name-pattern.js';

describe('nameLikePattern', () => {
  it('matches plain text anywhere in the name', () => {
    expect(nameLikePattern('report')).toBe('%report%');
  });

  it('turns * and ? into a glob over the whole name', () => {
    expect(nameLikePattern('report*.xlsx')).toBe('report%.xlsx');
    expect(nameLikePattern('f??.txt')).toBe('f__.txt');
    expect(nameLikePattern('*')).toBe('%');
  });

  it("keeps LIKE's own wildcards and its escape character literal", () => {
    expect(nameLikePattern('100%')).toBe('%100\\%%');
    expect(nameLikePattern('a_b')).toBe('%a\\_b%');
    expect(nameLikePattern('back\\slash*')).toBe('back\\\\slash%');
    expect(nameLikePattern("'; DROP TABLE x; --")).toBe("%'; DROP TABLE x; --%");
  });

  it('keeps astral characters whole', () => {
    expect(nameLikePattern('😀?')).toBe('😀_');
  });
});
