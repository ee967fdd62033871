import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { HardlinkStore } from './hardlink-store.js';
import { fsck, gc, rebuildRecords, verify, walkPool } from './maintenance.js';
import { comparePaths } from './name-codec.js';
import { restoreSnapshot } from './restore.js';
import { StoreError } from './store.errors.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

/** Writes a snapshot straight through the store API: `files` maps 'dir/name' to contents. */
async function writeSnapshot(store: HardlinkStore, client: string, files: Record<string, string>): Promise<number> {
  const w = await store.beginSnapshot(client, { jobId: `job-${Math.random()}` });
  const paths = Object.keys(files).map((p) => p.split('/'));
  const dirs = new Set<string>();
  for (const p of paths) for (let i = 1; i < p.length; i++) dirs.add(p.slice(0, i).join('/'));
  const all = [...[...dirs].map((d) => ({ segs: d.split('/'), dir: true })), ...paths.map((segs) => ({ segs, dir: false }))];
  all.sort((a, b) => comparePaths(a.segs, b.segs));
  for (const { segs, dir } of all) {
    if (dir) {
      await w.append(await w.addDirectory(segs, { size: 0, mtime: MTIME, mode: 0o750 }));
      continue;
    }
    const data = files[segs.join('/')] as string;
    const meta = { size: data.length, mtime: MTIME, mode: 0o640 };
    const r = data.length === 0 ? { entry: await w.addEmptyFile(segs, meta) } : await w.addFile(segs, meta, Readable.from([Buffer.from(data)]));
    await w.append(r.entry);
  }
  await w.commit({ startedAt: new Date(), outcome: 'complete' });
  return w.seq;
}

describe('HardlinkStore maintenance', () => {
  let root: string;
  let store: HardlinkStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bt-store-'));
    store = await HardlinkStore.open(join(root, 's'), { create: true });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('versions the format and refuses what it does not understand', async () => {
    const fmt = JSON.parse(await readFile(join(root, 's', 'format.json'), 'utf8')) as { version: number };
    expect(fmt.version).toBe(2);
    // A version-1 store opens as it is; its first snapshot by new code upgrades format.json only.
    await mkdir(join(root, 'v1', 'snapshots'), { recursive: true });
    await writeFile(join(root, 'v1', 'format.json'), JSON.stringify({ format: 'backtrac-hardlink-store', version: 1, createdAt: '2025-01-01T00:00:00.000Z' }));
    const v1 = await HardlinkStore.open(join(root, 'v1'));
    expect(v1.format.version).toBe(1);
    await writeSnapshot(v1, 'c', { 'a/x': 'one' });
    expect(JSON.parse(await readFile(join(root, 'v1', 'format.json'), 'utf8'))).toEqual({ format: 'backtrac-hardlink-store', version: 2, createdAt: '2025-01-01T00:00:00.000Z' });
    await expect(HardlinkStore.open(join(root, 'empty'))).rejects.toMatchObject({ code: 'NOT_A_STORE' });
    await mkdir(join(root, 'future'));
    await writeFile(join(root, 'future', 'format.json'), JSON.stringify({ format: 'backtrac-hardlink-store', version: 99 }));
    await expect(HardlinkStore.open(join(root, 'future'))).rejects.toMatchObject({ code: 'FORMAT_UNSUPPORTED' });
  });

  it('stores read-only pool files named by sha256 and links snapshots to them', async () => {
    const seq = await writeSnapshot(store, 'c', { 'a/x': 'hello', 'a/y': 'hello', z: '', w: 'world' });
    const pool = [];
    for await (const f of walkPool(store)) pool.push(f);
    expect(pool.map((f) => ('sha256' in f ? f.sha256 : 'stray')).sort()).toEqual([sha('hello'), sha('world')].sort());
    const hello = store.pool.variantPath(sha('hello'), 0);
    expect(hello).toBe(join(root, 's', 'pool', sha('hello').slice(0, 2), sha('hello').slice(2, 4), sha('hello')));
    const st = await stat(hello);
    expect(st.mode & 0o777).toBe(0o444);
    expect(st.nlink).toBe(3);
    expect((await stat(join(store.snapshotDir('c', seq), 'a', 'x'))).ino).toBe(st.ino);
    expect((await stat(join(store.snapshotDir('c', seq), 'z'))).size).toBe(0);
    expect(await readFile(join(root, 's', 'snapshots', 'c', String(seq), '.backtrac', 'manifest.jsonl.gz'))).toBeTruthy();
    const report = await fsck(store);
    expect(report).toMatchObject({ ok: true, snapshots: 1, entries: 5, poolFiles: 2, issues: [] });
  });

  it('carries unchanged entries into the next snapshot: same manifest lines, same pool files', async () => {
    const first = await writeSnapshot(store, 'c', { 'a/x': 'hello', 'b\nc/\u00e9t\u00e9': 'world', e: '' });
    const w = await store.beginSnapshot('c', { jobId: 'carry' });
    for await (const entry of store.readManifest('c', first)) {
      if (entry.type === 'directory') await w.addDirectory(entry.path.split('/'), entry);
      else if (entry.size === 0) await w.addEmptyFile(entry.path.split('/'), entry);
      else expect(await w.relinkUnchanged(entry)).toBe(true);
      await w.append(entry);
    }
    await w.commit({ startedAt: new Date(), outcome: 'complete' });
    const lines = async (seq: number): Promise<string> => gunzipSync(await readFile(store.manifestPath('c', seq))).toString('utf8');
    expect(await lines(w.seq)).toBe(await lines(first));
    const hello = await stat(store.pool.variantPath(sha('hello'), 0));
    expect((await stat(join(store.snapshotDir('c', w.seq), 'a', 'x'))).ino).toBe(hello.ino);
    expect(hello.nlink).toBe(3);
    expect(await fsck(store)).toMatchObject({ ok: true, snapshots: 2, issues: [] });
  });

  it('fsck reports partial snapshots, broken links, missing files, orphans and strays', async () => {
    const seq = await writeSnapshot(store, 'c', { a: 'aaa', b: 'bbb', c: 'ccc' });
    const dir = store.snapshotDir('c', seq);
    // A copy instead of a hard link, and a missing file.
    await unlink(join(dir, 'a'));
    await copyFile(store.pool.variantPath(sha('aaa'), 0), join(dir, 'a'));
    await unlink(join(dir, 'b'));
    // An orphan pool file, a stray name in the pool, and an unfinished snapshot.
    const orphan = sha('orphan');
    await mkdir(join(store.pool.bucket(orphan)), { recursive: true });
    await writeFile(store.pool.variantPath(orphan, 0), 'orphan');
    await writeFile(join(store.pool.bucket(orphan), 'junk'), 'x');
    const w = await store.beginSnapshot('c', { jobId: 'j' });
    await w.abandon();
    const report = await fsck(store);
    expect(report.ok).toBe(false);
    expect(report.issues.map((i) => `${i.kind} ${i.path ?? i.seq}`).sort()).toEqual(
      [
        'bad-entry a',
        'bad-entry b',
        // The pool files of the copied and the deleted file are no longer linked by anything.
        ...[sha('aaa'), sha('bbb')].map((h) => `orphan-pool-file ${join('pool', h.slice(0, 2), h.slice(2, 4), h)}`),
        `orphan-pool-file ${join('pool', orphan.slice(0, 2), orphan.slice(2, 4), orphan)}`,
        'partial-snapshot 2',
        `stray-pool-file ${join('pool', orphan.slice(0, 2), orphan.slice(2, 4), 'junk')}`,
      ].sort(),
    );
    expect(await runCli(['fsck', '--store', join(root, 's')], () => undefined)).toBe(1);
  });

  it('deletes through trash and gc reclaims pool files no snapshot links', async () => {
    const s1 = await writeSnapshot(store, 'c', { keep: 'shared', gone: 'only in one' });
    await writeSnapshot(store, 'c', { keep: 'shared' });
    await store.deleteSnapshot('c', s1);
    expect((await store.listSnapshots('c')).map((s) => s.seq)).toEqual([2]);
    expect(await readdir(join(root, 's', 'trash'))).toHaveLength(1);
    // Still linked from the trash copy, so not an orphan yet.
    expect((await fsck(store)).ok).toBe(true);
    // A crashed job's staging: old ones go, a fresh one (a running job) stays.
    await mkdir(join(root, 's', 'staging', 'gone-client', 'old-job'), { recursive: true });
    await writeFile(join(root, 's', 'staging', 'gone-client', 'old-job', 'in-1'), 'half');
    await utimes(join(root, 's', 'staging', 'gone-client', 'old-job'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    await mkdir(join(root, 's', 'staging', 'busy-client', 'running-job'), { recursive: true });
    const report = await gc(store);
    expect(report).toEqual({ sharedFoldersRemoved: 0, trashRemoved: 1, poolFilesRemoved: 1, bytesFreed: 'only in one'.length, stagingRemoved: 1 });
    expect(await readdir(join(root, 's', 'staging', 'busy-client'))).toEqual(['running-job']);
    expect(await store.pool.find(sha('only in one'))).toBeUndefined();
    expect(await store.pool.find(sha('shared'))).toBeDefined();
    expect(await fsck(store)).toMatchObject({ ok: true, trashItems: 0, poolFiles: 1 });
  });

  it('verify re-hashes the pool, quarantines corrupt files, and can check a fraction', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 64; i++) files[`f${i}`] = `content number ${i}`;
    await writeSnapshot(store, 'c', files);
    expect(await verify(store)).toMatchObject({ checked: 64, corrupt: [] });
    const half = await verify(store, { fraction: 0.5, offset: 0.25 });
    expect(half.checked).toBeGreaterThan(10);
    expect(half.checked).toBeLessThan(54);
    const rest = await verify(store, { fraction: 0.5, offset: 0.75 });
    expect(half.checked + rest.checked).toBe(64);

    const victim = store.pool.variantPath(sha('content number 7'), 0);
    await chmod(victim, 0o644);
    await writeFile(victim, 'content number X');
    const report = await verify(store);
    expect(report.corrupt).toHaveLength(1);
    expect(report.corrupt[0]).toMatchObject({ expected: sha('content number 7'), actual: sha('content number X') });
    expect(await store.pool.find(sha('content number 7'))).toBeUndefined();
    expect(await readdir(join(root, 's', 'quarantine'))).toHaveLength(1);
    // The snapshot still holds the damaged bytes: restore refuses them instead of returning garbage.
    await expect(restoreSnapshot(store, 'c', 1, join(root, 'out'))).rejects.toMatchObject({ code: 'RESTORE_VERIFY_FAILED' });
  });

  it('restores a whole snapshot, a subtree and a single file with modes and mtimes', async () => {
    const seq = await writeSnapshot(store, 'c', { 'docs/a.txt': 'A', 'docs/sub/b.txt': 'B', 'top.txt': 'T', 'docs/empty': '' });
    const all = await restoreSnapshot(store, 'c', seq, join(root, 'all'));
    expect(all).toMatchObject({ files: 4, directories: 2, bytes: 3 });
    expect(await readFile(join(root, 'all', 'docs', 'sub', 'b.txt'), 'utf8')).toBe('B');
    const st = await stat(join(root, 'all', 'docs', 'a.txt'));
    expect(st.mtimeMs).toBeCloseTo(MTIME, 2);
    expect(st.mode & 0o777).toBe(0o640);
    expect((await stat(join(root, 'all', 'docs'))).mtimeMs).toBeCloseTo(MTIME, 2);
    expect((await stat(join(root, 'all', 'docs'))).mode & 0o777).toBe(0o750);

    await restoreSnapshot(store, 'c', seq, join(root, 'sub'), { path: 'docs/sub' });
    expect(await readdir(join(root, 'sub'))).toEqual(['sub']);
    expect(await readFile(join(root, 'sub', 'sub', 'b.txt'), 'utf8')).toBe('B');

    await restoreSnapshot(store, 'c', seq, join(root, 'one'), { path: ['top.txt'] });
    expect(await readdir(join(root, 'one'))).toEqual(['top.txt']);
    await expect(restoreSnapshot(store, 'c', seq, join(root, 'none'), { path: 'nope' })).rejects.toBeInstanceOf(StoreError);

    // Never writes through something already at the destination.
    await expect(restoreSnapshot(store, 'c', seq, join(root, 'one'), { path: ['top.txt'] })).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('a crafted ~BT~ name cannot make restore chmod or touch anything outside the destination', async () => {
    const outside = join(root, 'outside');
    await mkdir(outside, { mode: 0o755 });
    await chmod(outside, 0o755);
    const outsideBefore = await stat(outside);
    // A name Linux cannot hold (a lone surrogate) is restored under its escaped name; a client
    // entry spelled exactly like that escaped name is a symlink pointing out of the restore.
    const unsafe = '\uD800';
    const escaped = `~BT~${createHash('sha256').update(Buffer.from(unsafe, 'utf16le')).digest('hex').slice(0, 32)}~\uFFFD`;
    const w = await store.beginSnapshot('evil', { jobId: 'crafted' });
    await w.append(await w.addDirectory(['share'], { size: 0, mtime: MTIME, mode: 0o755 }));
    await w.append(await w.addSymlink(['share', escaped], outside, { size: 0, mtime: MTIME, mode: 0o777 }));
    await w.append(await w.addDirectory(['share', unsafe], { size: 0, mtime: MTIME, mode: 0o777 }));
    await w.commit({ startedAt: new Date(), outcome: 'complete' });

    const report = await restoreSnapshot(store, 'evil', w.seq, join(root, 'restored'));
    const after = await stat(outside);
    expect(after.mode & 0o7777).toBe(0o755);
    expect(after.mtimeMs).toBe(outsideBefore.mtimeMs);
    // Both entries exist, under two different names: the symlink as a symlink, the directory real.
    expect(report).toMatchObject({ directories: 2, symlinks: 1 });
    const names = await readdir(join(root, 'restored', 'share'));
    expect(names).toHaveLength(2);
    expect(report.renamed.map((r) => r.path).sort()).toEqual([`share/${escaped}`, `share/${unsafe}`].sort());
  });

  it('refuses to write through a directory that became a symlink', async () => {
    const seq = await writeSnapshot(store, 'c', { 'docs/a.txt': 'A' });
    const outside = join(root, 'outside2');
    await mkdir(outside);
    await mkdir(join(root, 'dest'));
    await symlink(outside, join(root, 'dest', 'docs'));
    await expect(restoreSnapshot(store, 'c', seq, join(root, 'dest'))).rejects.toMatchObject({ code: 'UNSAFE_RESTORE_PATH' });
    expect(await readdir(outside)).toEqual([]);
  });

  it('rebuild yields every finished snapshot with its entries; the CLI prints them', async () => {
    await writeSnapshot(store, 'b-client', { x: 'x' });
    await writeSnapshot(store, 'a-client', { y: 'y', z: 'z' });
    await writeSnapshot(store, 'a-client', { y: 'y' });
    (await store.beginSnapshot('a-client', { jobId: 'unfinished' })).abandon();
    const got: string[] = [];
    for await (const snap of rebuildRecords(store)) {
      const paths = [];
      for await (const e of snap.entries()) paths.push(`${e.path}=${e.sha256?.slice(0, 6)}`);
      got.push(`${snap.client}#${snap.seq}(${snap.meta.outcome}): ${paths.join(',')}`);
    }
    expect(got).toEqual([
      `a-client#1(complete): y=${sha('y').slice(0, 6)},z=${sha('z').slice(0, 6)}`,
      `a-client#2(complete): y=${sha('y').slice(0, 6)}`,
      `b-client#1(complete): x=${sha('x').slice(0, 6)}`,
    ]);
    const lines: string[] = [];
    expect(await runCli(['rebuild-catalog', '--store', join(root, 's')], (l) => lines.push(l))).toBe(0);
    const parsed = lines.map((l) => JSON.parse(l) as { kind: string; client: string; seq: number; path?: string });
    expect(parsed.filter((p) => p.kind === 'snapshot')).toHaveLength(3);
    expect(parsed.filter((p) => p.kind === 'entry').map((p) => `${p.client}#${p.seq}:${p.path}`)).toEqual(['a-client#1:y', 'a-client#1:z', 'a-client#2:y', 'b-client#1:x']);
    const out: string[] = [];
    expect(await runCli(['restore', '--store', join(root, 's'), '--client', 'b-client', '--seq', '1', '--dest', join(root, 'cli-out')], (l) => out.push(l))).toBe(0);
    expect(await readFile(join(root, 'cli-out', 'x'), 'utf8')).toBe('x');
    expect(await runCli(['gc', '--store', join(root, 's')], () => undefined)).toBe(0);
    expect(await runCli(['verify', '--store', join(root, 's')], () => undefined)).toBe(0);
    expect(await runCli([], () => undefined)).toBe(2);
  });

  it('serves one file version by its hash', async () => {
    await writeSnapshot(store, 'c', { f: 'download me' });
    const chunks: Buffer[] = [];
    for await (const c of await store.openContent(sha('download me'))) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('download me');
    await expect(store.openContent(sha('absent'))).rejects.toMatchObject({ code: 'ENTRY_NOT_FOUND' });
  });
});
