import { createHash } from 'node:crypto';
import { chmod, lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HardlinkStore } from './hardlink-store.js';
import { fsck, gc } from './maintenance.js';
import { comparePaths } from './name-codec.js';
import { healQuarantinedContent, quarantinePoolContent } from './pool-quarantine.js';
import { restoreSnapshot } from './restore.js';

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

/** One snapshot through the store API, every folder deferred so it lands in dirs/ (threshold 1). */
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
    const r = await w.addFile(segs, { size: data.length, mtime: MTIME, mode: 0o640 }, Readable.from([Buffer.from(data)]));
    await w.append(r.entry);
  }
  await w.commit({ startedAt: new Date(), outcome: 'complete' });
  return w.seq;
}

async function rot(store: HardlinkStore, content: string): Promise<string> {
  const poolFile = (await store.pool.find(sha(content))) as string;
  await chmod(poolFile, 0o644);
  await writeFile(poolFile, Buffer.alloc(content.length, 0x58));
  await chmod(poolFile, 0o444);
  return poolFile;
}

describe('healing quarantined pool contents in place', () => {
  let root: string;
  let store: HardlinkStore;
  const files = { 'docs/a.txt': 'alpha content', 'docs/b.txt': 'bravo content', 'docs/sub/c.txt': 'charlie content' };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bt-heal-'));
    store = await HardlinkStore.open(join(root, 's'), { create: true, durability: 'none', sharedFolderThreshold: 1 });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists quarantined contents, rewrites the rotten inode that old snapshots and shared folders link, and drops the quarantine name', async () => {
    const seq1 = await writeSnapshot(store, 'c', files);
    expect((await store.readSharedFolders('c', seq1)).size).toBeGreaterThan(0);
    const victim = files['docs/sub/c.txt'];
    const poolFile = await rot(store, victim);
    const rottenInode = (await lstat(poolFile)).ino;
    const q = await quarantinePoolContent(store, sha(victim));
    expect(q.movedTo).toHaveLength(1);
    expect(await store.quarantinedContents()).toEqual(new Set([sha(victim)]));
    await expect(restoreSnapshot(store, 'c', seq1, join(root, 'before'))).rejects.toMatchObject({ code: 'RESTORE_VERIFY_FAILED' });

    // Nothing to heal from yet: the quarantine name stays for a later backup.
    const early = await healQuarantinedContent(store, sha(victim));
    expect(early.healed).toEqual([]);
    expect(early.returnedTo).toEqual([]);
    expect(early.failed).toEqual([{ file: q.movedTo[0], reason: 'no pool copy to heal from' }]);
    expect(await store.quarantinedContents()).toEqual(new Set([sha(victim)]));

    // A backup fetches the content again into a new pool copy (a new inode), then heals.
    await writeSnapshot(store, 'other', { 'x/c.txt': victim });
    const fresh = (await store.pool.find(sha(victim))) as string;
    expect((await lstat(fresh)).ino).not.toBe(rottenInode);
    const report = await healQuarantinedContent(store, sha(victim));
    expect(report).toEqual({ sha256: sha(victim), healed: q.movedTo, returnedTo: [`pool/${sha(victim).slice(0, 2)}/${sha(victim).slice(2, 4)}/${sha(victim)}.1`], failed: [] });
    expect(await readdir(join(store.root, 'quarantine'))).toEqual([]);
    expect(await store.quarantinedContents()).toEqual(new Set());

    // The old snapshot's file (through its shared folder) is the same inode, now with good bytes and read-only again.
    const oldFile = (await store.resolveFilePath('c', seq1, ['docs', 'sub', 'c.txt'])) as string;
    const st = await lstat(oldFile);
    expect(st.ino).toBe(rottenInode);
    expect(st.mode & 0o777).toBe(0o444);
    // Back in the pool as a numbered copy, so every snapshot file resolves to a pool file again.
    expect((await lstat(join(store.root, report.returnedTo[0] as string))).ino).toBe(rottenInode);
    expect(sha(await readFile(oldFile))).toBe(sha(victim));
    await restoreSnapshot(store, 'c', seq1, join(root, 'after'));
    for (const [path, data] of Object.entries(files)) expect(await readFile(join(root, 'after', path), 'utf8')).toBe(data);

    // Healing again is a no-op; the new copy nothing links any more goes with gc, and the store checks clean.
    expect(await healQuarantinedContent(store, sha(victim))).toEqual({ sha256: sha(victim), healed: [], returnedTo: [], failed: [] });
    await store.deleteSnapshot('other', 1);
    expect((await gc(store)).poolFilesRemoved).toBe(1);
    expect((await fsck(store)).issues).toEqual([]);
    await restoreSnapshot(store, 'c', seq1, join(root, 'after-gc'));
    expect(await readFile(join(root, 'after-gc', 'docs/sub/c.txt'), 'utf8')).toBe(victim);
  });

  it('removes a quarantine file that nothing links any more, and ignores names that are not quarantine files', async () => {
    const content = files['docs/a.txt'];
    await writeSnapshot(store, 'c', files);
    await rot(store, content);
    const q = await quarantinePoolContent(store, sha(content));
    await store.deleteSnapshot('c', 1);
    await gc(store);
    await writeFile(join(store.root, 'quarantine', 'notes.txt'), 'not a content');
    expect(await store.quarantinedContents()).toEqual(new Set([sha(content)]));
    await writeSnapshot(store, 'c', { 'docs/a.txt': content });
    expect((await lstat(join(store.root, q.movedTo[0] as string))).nlink).toBe(1);
    expect(await healQuarantinedContent(store, sha(content))).toEqual({ sha256: sha(content), healed: q.movedTo, returnedTo: [], failed: [] });
    expect(await readdir(join(store.root, 'quarantine'))).toEqual(['notes.txt']);
    expect(await store.quarantinedContents()).toEqual(new Set());
  });
});
