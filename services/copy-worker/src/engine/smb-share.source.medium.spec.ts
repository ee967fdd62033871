import { mkdir, rm, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsck, HardlinkStore, restoreSnapshot } from '@backtrac/store';
import { startSamba, type SambaServer } from '../../../../test/harness/samba.js';
import { BackupEngine } from './backup-engine.js';
import type { SmbShareSource } from './smb-share.source.js';
import { openBackupSource } from './source-factory.js';
import { snapshotChanges } from './testing/snapshot-changes.js';
import { readTreeState, removeDir, tempDir } from './testing/tree.fixture.js';

const USER = 'engine';
const PASSWORD = 'Engine-pass-1';

describe('BackupEngine over a real smbd share', () => {
  let server: SambaServer;
  let work: string;
  let share: string;

  beforeAll(async () => {
    work = await tempDir('engine-smb');
    share = join(work, 'share');
    await mkdir(join(share, 'docs', 'deep', 'er'), { recursive: true });
    for (let i = 0; i < 300; i++) await writeFile(join(share, 'docs', `file-${i}.txt`), `file number ${i}\n`.repeat(i % 7));
    await writeFile(join(share, 'docs', 'deep', 'er', 'Übersicht – 日本語.txt'), 'unicode');
    await writeFile(join(share, '-leading-dash'), 'dash');
    await writeFile(join(share, 'big.bin'), Buffer.alloc(5 * 1024 * 1024, 'z'));
    await utimes(join(share, 'big.bin'), new Date(2015, 1, 1), new Date(2016, 2, 3, 4, 5, 6, 789));
    server = await startSamba();
    await server.addUser(USER, PASSWORD);
    await server.addShare('data', share, { readOnly: true });
  });
  afterAll(async () => {
    await server?.stop();
    await removeDir(work);
  });

  it('full then unchanged incremental: restores byte-identical, second run reads nothing', async () => {
    const store = await HardlinkStore.open(join(work, 'store'), { create: true });
    const engine = new BackupEngine(store);
    const expected = await readTreeState(share);

    const first = (await openBackupSource(server.url('data', USER), { password: PASSWORD })) as SmbShareSource;
    const r1 = await engine.run(first, { client: 'smb-pc', jobId: 'j1', filesInFlight: 8 });
    await first.close();
    expect(r1.outcome).toBe('complete');
    expect(r1.counters.filesNew).toBe(303);

    const second = (await openBackupSource(server.url('data', USER), { password: PASSWORD })) as SmbShareSource;
    const r2 = await engine.run(second, { client: 'smb-pc', jobId: 'j2' });
    await second.close();
    expect(second.bytesRead).toBe(0);
    expect(await snapshotChanges(store, 'smb-pc', r1.seq, r2.seq)).toEqual([]);
    expect(r2.counters.filesUnchanged).toBe(303);

    const dest = join(work, 'restore');
    await restoreSnapshot(store, 'smb-pc', r2.seq, dest);
    const restored = await readTreeState(dest);
    for (const [path, e] of expected) {
      const got = restored.get(path);
      expect(got?.type, path).toBe(e.type);
      expect(got?.sha256, path).toBe(e.sha256);
      // SMB carries 100 ns times; the manifest keeps milliseconds.
      if (e.type === 'file') expect(Math.abs((got?.mtimeMs ?? 0) - e.mtimeMs), path).toBeLessThan(1);
    }
    expect(restored.size).toBe(expected.size);
    expect((await fsck(store)).ok).toBe(true);
  });

  it('a file listed small is read whole in one request, and in full even when it grew since', async () => {
    const source = (await openBackupSource(server.url('data', USER), { password: PASSWORD })) as SmbShareSource;
    try {
      const read = async (path: string[]): Promise<Buffer> => {
        const chunks: Uint8Array[] = [];
        for await (const c of await source.createReadStream(path)) chunks.push(c);
        return Buffer.concat(chunks);
      };
      await writeFile(join(share, 'grows.bin'), 'small');
      const listed = await source.list([]);
      expect(listed.find((e) => e.name === 'grows.bin')?.size).toBe(5);
      const grown = Buffer.alloc(3 * 1024 * 1024 + 17, 'g');
      await writeFile(join(share, 'grows.bin'), grown);
      expect((await read(['grows.bin'])).equals(grown)).toBe(true);
      // Read again (no longer remembered as small): the streaming path gives the same bytes.
      expect((await read(['grows.bin'])).equals(grown)).toBe(true);
      expect(source.bytesRead).toBe(2 * grown.length);
    } finally {
      await source.close();
      await rm(join(share, 'grows.bin'), { force: true });
    }
  });

  it('a wrong password fails the run with that reason', async () => {
    await expect(openBackupSource(server.url('data', USER), { password: 'wrong' })).rejects.toMatchObject({ kind: 'auth-failed', fatal: true });
    await expect(openBackupSource(server.url('nosuchshare', USER), { password: PASSWORD })).rejects.toMatchObject({ fatal: true });
  });
});
