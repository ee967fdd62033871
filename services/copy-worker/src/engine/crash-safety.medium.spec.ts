import { spawn } from 'node:child_process';
import { appendFile, cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsck, gc, HardlinkStore, restoreSnapshot } from '@backtrac/store';
import { diffTreeStates, generateTree, readTreeState, removeDir, tempDir, writeBigFile, type TreeState } from './testing/tree.fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');

function runChild(store: string, src: string, point: string, nth: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--no-warnings', '--import', join(here, 'testing', 'ts-resolve.mjs'), join(here, 'testing', 'crash-child.ts'), store, src, 'pc', point, String(nth)],
      { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function expectRestores(store: HardlinkStore, seq: number, state: TreeState, work: string): Promise<void> {
  const dest = join(work, `restore-${seq}-${Math.random().toString(36).slice(2)}`);
  await restoreSnapshot(store, 'pc', seq, dest);
  expect(diffTreeStates(state, await readTreeState(dest)), `snapshot ${seq}`).toEqual([]);
  await removeDir(dest);
}

// Each case: kill the second backup at one point, then check the first is intact and a rerun completes.
const POINTS: [string, number][] = [
  ['read', 3 * 1024 * 1024], // in the middle of the big file
  ['staged', 5], // a few files staged and hashed
  ['pooled', 2], // content linked into the pool, not yet into the snapshot
  ['linked', 30], // many files linked into the snapshot
  ['folder-built', 1], // a shared folder complete with its .children, not yet renamed into dirs/
  ['folder-shared', 2], // shared folders in dirs/ that no finished snapshot links yet
  ['before-commit', 1], // manifest written and synced, before the rename
  ['committed', 1], // after the rename, before staging is cleaned
];

describe('crash safety (SIGKILL of a backup process)', () => {
  let work: string;
  let src: string;
  let state1: TreeState;

  beforeAll(async () => {
    work = await tempDir('crash');
    src = join(work, 'src');
    await generateTree(src, { files: 300, seed: 7, bigFileBytes: 12 * 1024 * 1024 });
    state1 = await readTreeState(src);
  });
  afterAll(async () => {
    await removeDir(work);
  });

  it.each(POINTS)('killed at %s #%i: previous snapshot intact, rerun completes, fsck clean', async (point, nth) => {
    const storeDir = join(work, `store-${point}`);
    const first = await runChild(storeDir, src, 'none', 0);
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toMatchObject({ seq: 1, outcome: 'complete' });

    // Change the source so the second run has new content to stage and pool.
    const changedSrc = join(work, `src-${point}`);
    await cp(src, changedSrc, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await writeBigFile(join(changedSrc, 'big', 'large.bin'), 12 * 1024 * 1024, 99);
    await mkdir(join(changedSrc, 'added'), { recursive: true });
    for (let i = 0; i < 40; i++) await writeFile(join(changedSrc, 'added', `n${i}`), `new file ${i} for ${point}`);
    await appendFile(join(changedSrc, 'caf\u00e9.txt'), ' changed');
    const changedState = await readTreeState(changedSrc);

    const crashed = await runChild(storeDir, changedSrc, point, nth);
    expect(crashed.signal).toBe('SIGKILL');

    const store = await HardlinkStore.open(storeDir);
    const snaps = await store.listSnapshots('pc');
    expect(snaps[0]).toEqual({ client: 'pc', seq: 1, partial: false });
    if (point === 'committed') expect(snaps[1]).toEqual({ client: 'pc', seq: 2, partial: false });
    else expect(snaps[1]).toEqual({ client: 'pc', seq: 2, partial: true });
    // The snapshot finished before the crash is intact, byte for byte.
    await expectRestores(store, 1, state1, work);

    const rerun = await runChild(storeDir, changedSrc, 'none', 0);
    expect(rerun.stderr).toBe('');
    const result = JSON.parse(rerun.stdout) as { seq: number; outcome: string };
    expect(result.outcome).toBe('complete');
    expect(result.seq).toBe(point === 'committed' ? 3 : 2);
    expect((await store.listSnapshots('pc')).every((s) => !s.partial)).toBe(true);
    await expectRestores(store, result.seq, changedState, work);
    await expectRestores(store, 1, state1, work);
    expect(await readdir(join(storeDir, 'staging', 'pc'))).toEqual([]);

    const report = await fsck(store);
    expect(report.issues).toEqual([]);
    await gc(store);
    const after = await fsck(store);
    expect(after.issues).toEqual([]);
    expect(after.trashItems).toBe(0);
    expect(after.stagingFiles).toBe(0);
    await removeDir(changedSrc);
    await removeDir(storeDir);
  });
});

