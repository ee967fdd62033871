import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LinkBatcher } from './link-batcher.js';

describe('LinkBatcher (link(2) on a worker thread, real filesystem)', () => {
  let dir: string;
  let batcher: LinkBatcher;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bt-links-'));
    batcher = new LinkBatcher();
  });
  afterEach(async () => {
    await batcher.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('links many files across several batches, each outcome to its own caller', async () => {
    const src = join(dir, 'content');
    await writeFile(src, 'same bytes');
    const outcomes = await Promise.all(Array.from({ length: 1000 }, (_, i) => batcher.link(src, join(dir, `copy-${i}`))));
    expect(outcomes.every((o) => o === 'linked')).toBe(true);
    expect((await stat(src)).nlink).toBe(1001);
  });

  it('tells a missing source (absent) from other failures, without disturbing the batch', async () => {
    const src = join(dir, 'content');
    await writeFile(src, 'x');
    await writeFile(join(dir, 'taken'), 'y');
    const [ok, missing, exists, ok2] = await Promise.all([
      batcher.link(src, join(dir, 'a')),
      batcher.link(join(dir, 'no-such-file'), join(dir, 'b')),
      batcher.link(src, join(dir, 'taken')),
      batcher.link(src, join(dir, 'c')),
    ]);
    expect([ok, missing, exists, ok2]).toEqual(['linked', 'absent', 'other', 'linked']);
  });

  it('handles names with newlines and other control characters', async () => {
    const src = join(dir, 'content\nwith\ttabs');
    await writeFile(src, 'x');
    expect(await batcher.link(src, join(dir, 'dest\r\n\u0001'))).toBe('linked');
    expect((await stat(join(dir, 'dest\r\n\u0001'))).nlink).toBe(2);
  });

  it('starts a new thread after close, so a long-lived store keeps working', async () => {
    const src = join(dir, 'content');
    await writeFile(src, 'x');
    expect(await batcher.link(src, join(dir, 'one'))).toBe('linked');
    await batcher.close();
    expect(await batcher.link(src, join(dir, 'two'))).toBe('linked');
  });
});
