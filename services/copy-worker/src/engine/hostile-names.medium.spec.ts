import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeName, entrySegments, ESCAPE_PREFIX, fsck, HardlinkStore, isLinuxSafeName, restoreSnapshot, type ManifestEntry } from '@backtrac/store';
import { BackupEngine } from './backup-engine.js';
import { LocalDirectorySource } from './local-directory.source.js';
import { memDir, memFile, MemorySource, type MemNode } from './testing/memory.source.js';
import { snapshotChanges } from './testing/snapshot-changes.js';
import { diffTreeStates, readTreeState, removeDir, tempDir } from './testing/tree.fixture.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Names an SMB server (or a hostile one) could send; several cannot exist on Linux at all. */
const HOSTILE = [
  '..',
  '.',
  'a/b',
  '../../../../escape',
  'nul\0byte',
  '-rf',
  '--help',
  '\x01ctl\x1f\x7f',
  'new\nline',
  'x'.repeat(255),
  'é'.repeat(200),
  'caf\u00e9',
  'cafe\u0301',
  '.backtrac',
  '~BT~0123456789abcdef0123456789abcdef~fake',
  'CON',
  'nul',
  'trailing.',
  ' ',
  'back\\slash',
  '\ud800lone-surrogate',
];

async function allPaths(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map((p) => join(dir, p));
}

describe('hostile names', () => {
  let work: string;
  let store: HardlinkStore;

  beforeEach(async () => {
    work = await tempDir('hostile');
    store = await HardlinkStore.open(join(work, 'store'), { create: true });
  });
  afterEach(async () => {
    await removeDir(work);
  });

  it('round-trip exactly through the manifest and never escape the snapshot', async () => {
    const children: [string, MemNode][] = HOSTILE.map((name, i) => [name, memFile(`content ${i} of ${JSON.stringify(name)}`)]);
    children.push(['..', memDir({ passwd: memFile('inside a dir named ..') })]);
    children.splice(0, 1); // the file '..' above is replaced by a directory of that name
    children.push(['dir/with/slashes', memDir({ '..': memFile('deep'), 'evil-link': { type: 'symlink', target: '../../../../../etc/shadow', mtime: 5 } })]);
    const source = new MemorySource(memDir(children));
    const engine = new BackupEngine(store);
    const first = await engine.run(source, { client: '../client/..', jobId: '../job' });
    expect(first.outcome).toBe('complete');

    // Nothing was written outside the store, and nothing inside a snapshot points outside it.
    expect((await readdir(work)).sort()).toEqual(['store']);
    const snapRoot = await realpath(store.snapshotDir('../client/..', first.seq));
    expect(snapRoot.startsWith(join(work, 'store', 'snapshots') + sep)).toBe(true);
    for (const p of await allPaths(snapRoot)) {
      const st = await lstat(p);
      if (!st.isSymbolicLink()) expect((await realpath(p)).startsWith(snapRoot + sep)).toBe(true);
    }

    // The manifest holds the true names and the right contents.
    const entries: ManifestEntry[] = [];
    for await (const e of store.readManifest('../client/..', first.seq)) entries.push(e);
    const byKey = new Map(entries.map((e) => [JSON.stringify(entrySegments(e)), e]));
    for (const [name, node] of children) {
      const e = byKey.get(JSON.stringify([name]));
      expect(e, name).toBeDefined();
      expect(e?.type).toBe(node.type);
      if (node.type === 'file') expect(e?.sha256).toBe(sha(node.data));
    }
    expect(byKey.get(JSON.stringify(['dir/with/slashes', 'evil-link']))?.target).toBe('../../../../../etc/shadow');
    expect(byKey.get(JSON.stringify(['..', 'passwd']))?.sha256).toBe(sha('inside a dir named ..'));

    // An incremental matches every hostile name against the previous manifest: nothing re-read.
    source.bytesRead = 0;
    const second = await engine.run(source, { client: '../client/..', jobId: '../job' });
    expect(source.bytesRead).toBe(0);
    expect(await snapshotChanges(store, '../client/..', first.seq, second.seq)).toEqual([]);
    expect((await fsck(store)).ok).toBe(true);
    expect(await store.listClients()).toEqual(['../client/..']);

    // Restore to Linux: names Linux can hold come back verbatim, the others (and names that look
    // escaped, so they cannot land on another entry's escaped name) escaped and reported.
    const dest = join(work, 'restore');
    const report = await restoreSnapshot(store, '../client/..', second.seq, dest);
    const verbatim = (name: string): boolean => isLinuxSafeName(name) && !name.startsWith(ESCAPE_PREFIX);
    const unstorable = new Set(children.map(([n]) => n).filter((n) => !verbatim(n)));
    expect(unstorable.size).toBe(9);
    const expectedRenamed = entries.filter((e) => entrySegments(e).some((s) => !verbatim(s))).map((e) => e.path);
    expect(report.renamed.map((r) => r.path).sort()).toEqual(expectedRenamed.sort());
    expect(expectedRenamed.length).toBe(unstorable.size + 3);
    for (const [name, node] of children) {
      if (node.type !== 'file' || unstorable.has(name)) continue;
      expect(await readFile(join(dest, name))).toEqual(node.data);
    }
    expect(await readFile(join(dest, 'caf\u00e9'), 'utf8')).not.toBe(await readFile(join(dest, 'cafe\u0301'), 'utf8'));
    for (const p of await allPaths(dest)) expect(p.startsWith(dest + sep)).toBe(true);
    expect((await readdir(work)).sort()).toEqual(['restore', 'store']);
  });

  it('Linux-legal odd names from a local directory restore exactly', async () => {
    const src = join(work, 'src');
    await mkdir(join(src, '-sub dir', '.backtrac'), { recursive: true });
    const names = ['-rf', '--', '\x01\x02ctl', 'tab\tname', 'new\nline', 'y'.repeat(255), 'ü'.repeat(127), 'caf\u00e9', 'cafe\u0301', 'CON', '.backtrac', 'quote"\'', '*?<>|:'];
    for (const [i, n] of names.entries()) await writeFile(join(src, n), `v${i}`);
    await writeFile(join(src, '-sub dir', '.backtrac', 'manifest.jsonl.gz'), 'not ours');
    const before = await readTreeState(src);
    const result = await new BackupEngine(store).run(new LocalDirectorySource(src), { client: 'odd', jobId: 'j' });
    // Our own manifest was not overwritten by the client's '.backtrac'.
    const entries: ManifestEntry[] = [];
    for await (const e of store.readManifest('odd', result.seq)) entries.push(e);
    expect(entries.find((e) => e.path === '-sub dir/.backtrac/manifest.jsonl.gz')?.sha256).toBe(sha('not ours'));
    const dest = join(work, 'restore');
    const report = await restoreSnapshot(store, 'odd', result.seq, dest);
    expect(report.renamed).toEqual([]);
    expect(diffTreeStates(before, await readTreeState(dest))).toEqual([]);
  });

  it('a Linux-legal name that looks escaped comes back under an escaped name, reported', async () => {
    const src = join(work, 'src');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, '~BT~x'), 'looks escaped');
    await writeFile(join(src, 'plain'), 'plain');
    const result = await new BackupEngine(store).run(new LocalDirectorySource(src), { client: 'odd', jobId: 'j' });
    const dest = join(work, 'restore');
    const report = await restoreSnapshot(store, 'odd', result.seq, dest);
    expect(report.renamed).toEqual([{ path: '~BT~x', restoredAs: encodeName('~BT~x') }]);
    expect(encodeName('~BT~x')).not.toBe('~BT~x');
    expect((await readdir(dest)).sort()).toEqual([encodeName('~BT~x'), 'plain'].sort());
    expect(await readFile(join(dest, encodeName('~BT~x')), 'utf8')).toBe('looks escaped');
  });
});
