import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../harness/api-client.js';
import { BackupDriver } from '../harness/backups.js';
import { type SambaServer, startSamba } from '../harness/samba.js';
import { type Stack, startStack } from '../harness/services.js';
import { download, memberKey, readArchive, rssOf } from './archive.helpers.js';

const FOLDERS = 10;
const PER_FOLDER = 1000;
const GiB = 1024 ** 3;
/** Over 4 GiB, so its size, its offset and the archive all need zip64. */
const HUGE_SIZE = 4 * GiB + 3 * 1024 * 1024 + 123;
const t0 = Date.UTC(2024, 6, 1, 12, 0, 1) / 1000;

interface DiskFile { member: string; disk: string; size: number; mtime: number }

/**
 * A folder of 10,000 files and one sparse file over 4 GiB on a real smbd share, backed up by the
 * copy worker (the production path into the store), then downloaded as zip and as tar through the
 * api and read back by Python's zipfile and tarfile: every byte compared with the share's file.
 */
describe('archives of 10,000 files and a file over 4 GiB (real smbd, copy worker, api, Python)', () => {
  let work: string;
  let shareDir: string;
  let samba: SambaServer;
  let stack: Stack;
  let api: ApiClient;
  let driver: BackupDriver;
  let clientId: string;
  const files: DiskFile[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bt-archive-large-'));
    shareDir = join(work, 'share');
    const folder = join(shareDir, 'big10k');
    for (let d = 0; d < FOLDERS; d++) {
      await mkdir(join(folder, `d${d}`), { recursive: true });
      for (let f = 0; f < PER_FOLDER; f++) {
        const name = f % 250 === 7 ? `Grüße ${f}.txt` : `f${f}.bin`;
        const disk = join(folder, `d${d}`, name);
        const size = (d * PER_FOLDER + f) % 97 === 0 ? 0 : ((f * 131) % 3000) + 1;
        await writeFile(disk, randomBytes(size));
        const mtime = t0 + d * 86_400 + f * 7;
        await utimes(disk, mtime, mtime);
        files.push({ member: `big10k/d${d}/${name}`, disk, size, mtime });
      }
    }
    // Sparse on disk: holes except for marked blocks at the start, across the 4 GiB line and at the end.
    const hugeDisk = join(folder, 'huge.bin');
    const fh = await open(hugeDisk, 'w');
    await fh.truncate(HUGE_SIZE);
    for (const at of [0, 4 * GiB - 512 * 1024, HUGE_SIZE - 65_536]) await fh.write(randomBytes(65_536), 0, 65_536, at);
    await fh.close();
    await utimes(hugeDisk, t0 + 3, t0 + 3);
    files.push({ member: 'big10k/huge.bin', disk: hugeDisk, size: HUGE_SIZE, mtime: t0 + 3 });

    samba = await startSamba();
    await samba.addUser('bob', 'Bob-pass-12');
    await samba.addShare('docs', shareDir);
    stack = await startStack({ services: ['api', 'copy-worker'], env: { STORE_ROOT: join(work, 'store') } });
    api = new ApiClient(stack.apiUrl);
    expect((await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword })).status).toBe(200);
    clientId = (await api.call('POST', '/clients', { name: 'ws-large', hostname: 'ws-large.lan' })).json.id;
    const share = await api.call('POST', `/clients/${clientId}/shares`, { name: 'docs', url: `smb://127.0.0.1:${samba.port}/docs`, username: 'bob', password: 'Bob-pass-12' });
    expect(share.status, share.text).toBe(201);
    driver = await new BackupDriver(stack.env).connect();
    const started = Date.now();
    const run = await driver.waitFinished(await driver.enqueue(clientId), 1_500_000);
    console.log(`backup of 10,000 files + ${HUGE_SIZE} B sparse file over SMB: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(run).toMatchObject({ state: 'succeeded', seq: 1 });
  }, 1_800_000);

  afterAll(async () => {
    await driver?.close();
    await stack?.stop();
    await samba?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each(['zip', 'tar'] as const)('as %s: every file byte for byte and by mtime, with the api memory bounded', async (format) => {
    const apiPid = stack.services.find((s) => s.name === 'api')!.process.pid!;
    const archive = join(work, `big10k.${format}`);
    const before = await rssOf(apiPid);
    const samples: { at: number; rss: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ at: Date.now(), rss: await rssOf(apiPid) });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const started = Date.now();
    const response = await download(api, `/clients/${clientId}/snapshots/1/archive?format=${format}&path=docs/big10k`, archive);
    const finished = Date.now();
    sampling = false;
    await sampler;
    expect(response.status, response.body).toBe(200);
    // Bounded: the api's memory does not follow the archive's size (4.3 GB stream through it).
    const mid = (started + finished) / 2;
    const peak = (list: typeof samples) => Math.max(...list.map((s) => s.rss));
    const [firstHalf, secondHalf] = [peak(samples.filter((s) => s.at < mid)), peak(samples.filter((s) => s.at >= mid))];
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    console.log(`${format}: ${((finished - started) / 1000).toFixed(1)} s; api RSS ${mib(before)} before, peak ${mib(firstHalf)} in the first half of the download, ${mib(secondHalf)} in the second`);

    const sources = join(work, `sources-${format}.json`);
    await writeFile(sources, JSON.stringify(Object.fromEntries(files.map((f) => [f.member, f.disk]))));
    const read = await readArchive(archive, format, sources);
    const problems: string[] = [];
    for (const file of files) {
      const member = read.get(file.member);
      const mtime = format === 'zip' ? file.mtime - (file.mtime % 2) : file.mtime;
      if (!member) problems.push(`missing ${file.member}`);
      else if (member.kind !== 'file' || member.same !== true || member.size !== file.size) problems.push(`${file.member}: ${JSON.stringify(member)}`);
      else if (member.mtime !== mtime) problems.push(`${file.member}: mtime ${member.mtime}, expected ${mtime}`);
    }
    const folders = [...read.values()].filter((m) => m.kind === 'directory').map((m) => memberKey(m.name)).sort();
    expect(folders).toEqual(['big10k', ...Array.from({ length: FOLDERS }, (_, d) => `big10k/d${d}`)].sort());
    expect(problems.slice(0, 10)).toEqual([]);
    expect(read.size).toBe(files.length + FOLDERS + 1);
    expect(Math.max(firstHalf, secondHalf) - before).toBeLessThan(320 * 2 ** 20);
    await rm(archive);
  }, 1_200_000);
});
