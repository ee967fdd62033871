import { describe, expect, it } from 'vitest';
import { detectUnusualRun } from './unusual-run.js';

describe('unusual run', () => {
  it('flags a run that modified or deleted more than the share of previous files', () => {
    expect(detectUnusualRun({ previousFiles: 1000, modified: 250, deleted: 51, added: 0 })).toEqual({ unusual: true, changedShare: 0.301, changedFiles: 301 });
    expect(detectUnusualRun({ previousFiles: 1000, modified: 250, deleted: 50, added: 0 }).unusual).toBe(false); // exactly 30 %
  });

  it('new files alone are not a sign', () => {
    expect(detectUnusualRun({ previousFiles: 1000, modified: 0, deleted: 0, added: 5000 }).unusual).toBe(false);
  });

  it('the threshold is configurable', () => {
    const run = { previousFiles: 1000, modified: 150, deleted: 0, added: 0 };
    expect(detectUnusualRun(run, { maxChangedShare: 0.1, minPreviousFiles: 100 }).unusual).toBe(true);
    expect(detectUnusualRun(run, { maxChangedShare: 0.2, minPreviousFiles: 100 }).unusual).toBe(false);
  });

  it('a first backup or a tiny client is never unusual', () => {
    expect(detectUnusualRun({ previousFiles: null, modified: 0, deleted: 0, added: 10 }).unusual).toBe(false);
    expect(detectUnusualRun({ previousFiles: 20, modified: 20, deleted: 0, added: 0 })).toEqual({ unusual: false, changedShare: 1, changedFiles: 20 });
  });
});
