import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LinkBatcher } from './link-batcher.js';

describe('LinkBatcher', () => {
  let dir: string;
  let batcher: LinkBatcher;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bt-link-batcher-'));
    batcher = new LinkBatcher();
  });
  afterEach(async () => {
    await batcher.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('links many files in batches and reports each failure by its errno code', async () => {
    const src = join(dir, 'src');
    await writeFile(src, 'content');
    const n = 1000;
    const codes = await Promise.all(Array.from({ length: n }, (_, i) => batcher.link(src, join(dir, `l${i}`))));
    expect(codes.every((c) => c === '')).toBe(true);
    expect((await stat(src)).nlink).toBe(n + 1);
    expect(await readFile(join(dir, 'l999'), 'utf8')).toBe('content');
    // Mixed in one batch: an existing destination, a missing source, and a good one.
    const mixed = await Promise.all([batcher.link(src, join(dir, 'l0')), batcher.link(join(dir, 'absent'), join(dir, 'x')), batcher.link(src, join(dir, 'ok'))]);
    expect(mixed).toEqual(['EEXIST', 'ENOENT', '']);
  });

  it('starts again after an idle stop or a close', async () => {
    const src = join(dir, 'src');
    await writeFile(src, 'x');
    expect(await batcher.link(src, join(dir, 'a'))).toBe('');
    await batcher.close();
    expect(await batcher.link(src, join(dir, 'b'))).toBe('');
    expect((await stat(src)).nlink).toBe(3);
  });
});
