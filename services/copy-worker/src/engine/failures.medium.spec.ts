import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsck, HardlinkStore, restoreSnapshot, verify } from '@backtrac/store';
import { BackupEngine, type BackupLogEvent } from './backup-engine.js';
import { BackupFailedError } from './backup-failure.js';
import { memDir, memFile, MemorySource } from './testing/memory.source.js';
import { fileSha, snapshotChanges } from './testing/snapshot-changes.js';
import { readTreeState, removeDir, tempDir } from './testing/tree.fixture.js';

describe('BackupEngine failure handling', () => {
  let work: string;
  let store: HardlinkStore;
  let engine: BackupEngine;

  beforeEach(async () => {
    work = await tempDir('failures');
    store = await HardlinkStore.open(join(work, 'store'), { create: true });
    engine = new BackupEngine(store);
  });
  afterEach(async () => {
    await removeDir(work);
  });

  it('skips unreadable files and directories with a reason and ends partial', async () => {
    const good = new MemorySource(memDir({ locked: memFile('v1'), denied: memFile('v1'), ok: memFile('fine'), private: memDir({ x: memFile('x') }) }));
    const first = await engine.run(good, { client: 'c', jobId: 'j1' });
    const bad = new MemorySource(
      memDir({
        locked: memFile('v2-longer', 2, { code: 'STATUS_SHARING_VIOLATION', phase: 'read' }),
        denied: memFile('v2', 2, { code: 'EACCES', phase: 'open' }),
        vanished: memFile('gone', 2, { code: 'STATUS_OBJECT_NAME_NOT_FOUND', phase: 'open' }),
        ok: memFile('fine'),
        private: { type: 'directory', children: new Map(), mtime: 1_600_000_000_000, failList: 'STATUS_ACCESS_DENIED' },
      }),
    );
    const logs: BackupLogEvent[] = [];
    const r = await engine.run(bad, { client: 'c', jobId: 'j2', onLog: (l) => logs.push(l) });
    expect(r.outcome).toBe('partial');
    expect(r.counters.filesSkipped).toBe(4);
    expect(r.counters.filesUnchanged).toBe(1);
    expect(logs.filter((l) => l.level === 'warn').map((l) => `${l.path}:${l.reason}`).sort()).toEqual([
      'denied:access-denied',
      'locked:locked',
      'private:access-denied',
      'vanished:not-found',
    ]);
    // Skipped files are not in the new snapshot, so the catalog sees them as removed.
    const removed = (await snapshotChanges(store, 'c', first.seq, r.seq)).filter((c) => c.kind === 'removed').map((c) => c.path);
    expect(removed.sort()).toEqual(['denied', 'locked', 'private/x']);
    expect((await store.readSnapshotMeta('c', r.seq)).outcome).toBe('partial');
    expect((await fsck(store)).ok).toBe(true);
    const dest = join(work, 'restore');
    await restoreSnapshot(store, 'c', r.seq, dest);
    expect([...(await readTreeState(dest)).keys()].sort()).toEqual(['ok', 'private']);
  });

  it('fails on a wrong password or unreachable share and writes no snapshot', async () => {
    const src = new MemorySource(memDir({ a: memFile('a') }));
    src.rootError = 'STATUS_LOGON_FAILURE';
    await expect(engine.run(src, { client: 'c', jobId: 'j' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    src.rootError = 'ECONNREFUSED';
    await expect(engine.run(src, { client: 'c', jobId: 'j' })).rejects.toMatchObject({ code: 'SOURCE_UNREACHABLE' });
    expect(await store.listSnapshots('c')).toEqual([]);
  });

  it('a connection lost mid-run fails, keeps the previous snapshot, and the rerun completes', async () => {
    const files = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${String(i).padStart(2, '0')}`, memFile(`file ${i}`)]));
    await engine.run(new MemorySource(memDir(files)), { client: 'c', jobId: 'j1' });
    const changed = Object.fromEntries(Object.entries(files).map(([k]) => [k, memFile(`changed ${k}`, 9)]));
    (changed.f30 as { fail?: unknown }).fail = { code: 'ECONNRESET', phase: 'read' };
    const err = await engine.run(new MemorySource(memDir(changed)), { client: 'c', jobId: 'j2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupFailedError);
    expect((err as BackupFailedError).code).toBe('SOURCE_UNREACHABLE');
    expect(await store.listSnapshots('c')).toEqual([
      { client: 'c', seq: 1, partial: false },
      { client: 'c', seq: 2, partial: true },
    ]);
    delete (changed.f30 as { fail?: unknown }).fail;
    const r = await engine.run(new MemorySource(memDir(changed)), { client: 'c', jobId: 'j3' });
    expect(r.seq).toBe(2);
    expect(r.counters.filesChanged).toBe(50);
    expect(await store.listSnapshots('c')).toEqual([
      { client: 'c', seq: 1, partial: false },
      { client: 'c', seq: 2, partial: false },
    ]);
    expect(await readdir(join(work, 'store', 'staging', 'c'))).toEqual([]);
    const report = await fsck(store);
    expect(report.issues).toEqual([]);
  });

  it('stops on abort, leaves .partial for the next run to clean', async () => {
    const files = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, memFile(`file ${i}`)]));
    const src = new MemorySource(memDir(files));
    const ac = new AbortController();
    let opened = 0;
    src.beforeOpen = () => {
      if (++opened === 10) ac.abort();
    };
    await expect(engine.run(src, { client: 'c', jobId: 'j1', signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(opened).toBeLessThan(20);
    expect(await store.listSnapshots('c')).toEqual([{ client: 'c', seq: 1, partial: true }]);
    src.beforeOpen = undefined;
    const r = await engine.run(src, { client: 'c', jobId: 'j2' });
    expect(r.counters.filesNew).toBe(40);
    expect(await store.listSnapshots('c')).toEqual([{ client: 'c', seq: 1, partial: false }]);
    expect((await fsck(store)).ok).toBe(true);
  });

  it('skips entries whose path is too long for the store instead of failing', async () => {
    // 20 levels of 250-byte names: about 5,000 bytes, beyond Linux's PATH_MAX of 4,096.
    let deep = memDir({ 'leaf.txt': memFile('deep down') });
    for (let i = 0; i < 20; i++) deep = memDir({ [`${String(i).padStart(2, '0')}${'n'.repeat(248)}`]: deep });
    const src = new MemorySource(memDir({ deep, shallow: memFile('fine') }));
    const logs: BackupLogEvent[] = [];
    const r = await engine.run(src, { client: 'c', jobId: 'j', onLog: (l) => logs.push(l) });
    expect(r.outcome).toBe('partial');
    expect(logs.some((l) => l.reason === 'path-too-long')).toBe(true);
    const paths: string[] = [];
    for await (const e of store.readManifest('c', r.seq)) paths.push(e.path);
    expect(paths).toContain('shallow');
    expect(paths.some((p) => p.endsWith('leaf.txt'))).toBe(false);
    expect((await fsck(store)).ok).toBe(true);
  });

  it('survives an unreadable previous manifest by reading everything again', async () => {
    const src = new MemorySource(memDir({ a: memFile('a'), b: memFile('b') }));
    const first = await engine.run(src, { client: 'c', jobId: 'j1' });
    await writeFile(store.manifestPath('c', first.seq), 'not gzip at all');
    const logs: BackupLogEvent[] = [];
    src.bytesRead = 0;
    const r = await engine.run(src, { client: 'c', jobId: 'j2', onLog: (l) => logs.push(l) });
    expect(r.outcome).toBe('complete');
    expect(src.bytesRead).toBe(2);
    expect(logs.filter((l) => l.level === 'error').map((l) => l.reason)).toEqual(['manifest']);
  });

  it('makes numbered pool copies when a pool file reaches the link limit', async () => {
    const limited = await HardlinkStore.open(join(work, 'store'), { linkLimit: 4 });
    const same = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`copy${i}`, memFile('identical content')]));
    const src = new MemorySource(memDir(same));
    const e = new BackupEngine(limited);
    await e.run(src, { client: 'c', jobId: 'j1' });
    await e.run(src, { client: 'c', jobId: 'j2' });
    const r = await e.run(src, { client: 'c', jobId: 'j3', full: true });
    expect(r.counters.filesUnchanged).toBe(10);
    const variants = await limited.pool.variants(await firstSha(limited));
    // 30 snapshot links, at most 3 per pool copy (the pool's own name is the 4th link).
    expect(variants.length).toBeGreaterThanOrEqual(10);
    expect(variants).toEqual(Array.from({ length: variants.length }, (_, i) => i));
    expect((await fsck(limited)).issues).toEqual([]);
    const dest = join(work, 'restore');
    await restoreSnapshot(limited, 'c', 3, dest);
    expect((await readTreeState(dest)).size).toBe(10);
  });
});

describe('BackupEngine and store maintenance', () => {
  it('content quarantined by verify is fetched again by the next incremental', async () => {
    const work = await tempDir('quarantine');
    try {
      const store = await HardlinkStore.open(join(work, 'store'), { create: true });
      const engine = new BackupEngine(store);
      const src = new MemorySource(memDir({ good: memFile('good bytes'), victim: memFile('victim bytes'), copy: memFile('victim bytes') }));
      const first = await engine.run(src, { client: 'c', jobId: 'j1' });
      const victimSha = await fileSha(store, 'c', first.seq, 'victim');
      const poolPath = store.pool.variantPath(victimSha, 0);
      await chmod(poolPath, 0o644);
      await writeFile(poolPath, 'rotten bytes');
      const report = await verify(store);
      expect(report.corrupt.map((c) => c.expected)).toEqual([victimSha]);

      src.bytesRead = 0;
      const second = await engine.run(src, { client: 'c', jobId: 'j2' });
      // Both paths of the quarantined content are read again; the healthy file is not.
      expect(src.bytesRead).toBe(2 * 'victim bytes'.length);
      expect(second.counters.bytesStoredNew).toBe('victim bytes'.length);
      expect(await snapshotChanges(store, 'c', first.seq, second.seq)).toEqual([]);
      const dest = join(work, 'restore');
      await restoreSnapshot(store, 'c', second.seq, dest);
      expect(await readFile(join(dest, 'victim'), 'utf8')).toBe('victim bytes');
      expect(await readFile(join(dest, 'copy'), 'utf8')).toBe('victim bytes');
      // The rotten inode the old snapshot links got the good bytes back and is a pool file again.
      expect(await store.quarantinedContents()).toEqual(new Set());
      const old = join(work, 'restore-old');
      await restoreSnapshot(store, 'c', first.seq, old);
      expect(await readFile(join(old, 'victim'), 'utf8')).toBe('victim bytes');
      expect(await readFile(join(old, 'copy'), 'utf8')).toBe('victim bytes');
      expect((await fsck(store)).issues).toEqual([]);
    } finally {
      await removeDir(work);
    }
  });
});

async function firstSha(store: HardlinkStore): Promise<string> {
  for await (const e of store.readManifest('c', 1)) if (e.sha256) return e.sha256;
  throw new Error('no file');
}
