// backup-incr-journal-100k: an incremental of a 100,000-file share (1,000 directories of 100
// files) in which 100 files in 100 directories changed, in journal mode: the copy worker's
// JournalSource lists only the directories the agent's journal marks and takes the rest from the
// previous snapshot's manifest. Reference: smbclient `recurse; ls` of the same share (listing
// alone, no file read). Timed: SMB connect + loading the previous listings + the engine run (the
// ~100-row journal query against Postgres is not part of it). Also reported, once: the same
// incremental walking the share (walk_s), and new_inodes (statfs of the store's filesystem before
// and after each journal run: with store format 2 the untouched folders are taken over as links,
// so a snapshot no longer costs one hard link per file).
// Plain TypeScript without decorators, run by Node's type stripping: `npm run bench -- agent`
// (with the gateway bench) or `npm run bench -- agent-journal`. BENCH_RUNS (default 3),
// BENCH_SCALE (default 1; 0.1 = 10,000 files, 10 changed).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, statfs, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

await import('../../services/copy-worker/src/engine/testing/ts-resolve.mjs');
const { BackupEngine, SmbShareSource } = (await import('../../services/copy-worker/src/engine/index.ts')) as typeof import('../../services/copy-worker/src/engine/index.ts');
const { ShareSetSource } = (await import('../../services/copy-worker/src/backup/share-set.source.ts')) as typeof import('../../services/copy-worker/src/backup/share-set.source.ts');
const { DirtyDirectories } = (await import('../../services/copy-worker/src/agent/dirty-directories.ts')) as typeof import('../../services/copy-worker/src/agent/dirty-directories.ts');
const { JournalSource, PreviousListings } = (await import('../../services/copy-worker/src/agent/journal.source.ts')) as typeof import('../../services/copy-worker/src/agent/journal.source.ts');
const { connect } = await import('@backtrac/smb');
const { HardlinkStore } = await import('@backtrac/store');
const { smbclientArgs, startSamba } = await import('../harness/samba.ts');

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const USER = 'bench';
const PASSWORD = 'Bench-pass-1';
const PER_DIR = 100;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const dirName = (d: number): string => `d${String(d).padStart(4, '0')}`;
const fileName = (f: number): string => `f${String(f).padStart(3, '0')}.dat`;

function runCommand(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed (${code}): ${err}`))));
  });
}

function smbclient(args: string[], command: string): Promise<void> {
  return runCommand('smbclient', [...args, '-c', command]);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

export async function backupIncrJournal100k(): Promise<void> {
  const files = Math.round(100_000 * SCALE);
  const dirs = Math.ceil(files / PER_DIR);
  const changes = Math.max(1, Math.round(100 * SCALE));
  const root = await mkdtemp(join(tmpdir(), 'bt-journal-bench-'));
  const share = join(root, 'share');
  const server = await startSamba();
  try {
    for (let d = 0; d < dirs; d++) {
      await mkdir(join(share, dirName(d)), { recursive: true });
      const n = Math.min(PER_DIR, files - d * PER_DIR);
      await Promise.all(Array.from({ length: n }, (_, f) => writeFile(join(share, dirName(d), fileName(f)), randomBytes(64))));
    }
    await server.addUser(USER, PASSWORD);
    await server.addShare('many', share);
    const store = await HardlinkStore.open(join(root, 'store'), { create: true });
    let seq = 0;
    let loadSeconds = 0;

    const run = async (journal: InstanceType<typeof DirtyDirectories> | null): Promise<{ seconds: number; changed: number; unchanged: number; listedLive: number }> => {
      const t0 = performance.now();
      const session = await connect(server.url('many', USER), { password: PASSWORD });
      try {
        const set = new ShareSetSource([{ name: 'many', source: new SmbShareSource(session), root: [], excludes: [], mtime: 0 }]);
        const previousSeq = seq;
        const tl = performance.now();
        const source = journal ? new JournalSource(set, await PreviousListings.load(store.readManifest('pc', previousSeq), journal), journal) : set;
        loadSeconds = (performance.now() - tl) / 1000;
        const r = await new BackupEngine(store).run(source, { client: 'pc', jobId: `bench-${seq + 1}`, seq: seq + 1, filesInFlight: 16, ...(previousSeq > 0 ? { previousSeq } : {}) });
        if (r.outcome !== 'complete') throw new Error(`backup ended ${r.outcome}`);
        seq += 1;
        const listedLive = source instanceof JournalSource ? source.stats.listedLive : -1;
        return { seconds: (performance.now() - t0) / 1000, changed: r.counters.filesChanged, unchanged: r.counters.filesUnchanged, listedLive };
      } finally {
        await session.close();
      }
    };

    /** Changes one file in each of `changes` directories spread over the share; returns the journal. */
    let round = 0;
    const edit = async (): Promise<InstanceType<typeof DirtyDirectories>> => {
      round += 1;
      const dirty = new DirtyDirectories();
      const step = Math.floor(dirs / changes);
      for (let i = 0; i < changes; i++) {
        const rel = `${dirName((i * step + round) % dirs)}/${fileName((i + round) % PER_DIR)}`;
        const path = join(share, rel);
        await writeFile(path, randomBytes(64 + round));
        await utimes(path, new Date(), new Date(Date.now() + round * 1000));
        dirty.addReported('many', rel);
      }
      return dirty;
    };

    await run(null); // the first, full backup is not timed
    const walkJournal = await edit();
    const walk = await run(null);
    if (walk.changed !== changes) throw new Error(`walk saw ${walk.changed} of ${changes} changes (journal unused: ${walkJournal.size})`);
    const ours: number[] = [];
    const reference: number[] = [];
    let listedLive = 0;
    const loads: number[] = [];
    const inodes: number[] = [];
    const inUse = async (): Promise<number> => {
      const st = await statfs(store.root);
      return st.files - st.ffree;
    };
    for (let i = 0; i < RUNS; i++) {
      const dirty = await edit();
      const before = await inUse();
      const r = await run(dirty);
      inodes.push((await inUse()) - before);
      if (r.changed !== changes || r.unchanged !== files - changes) throw new Error(`journal incremental saw ${r.changed} changed, ${r.unchanged} unchanged`);
      ours.push(r.seconds);
      listedLive = r.listedLive;
      loads.push(loadSeconds);
      reference.push(await timed(() => smbclient(smbclientArgs(server, 'many', USER, PASSWORD), 'recurse; ls')));
    }
    const o = median(ours);
    const ref = median(reference);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'backup-incr-journal-100k', ours_s: +o.toFixed(3), reference_s: +ref.toFixed(3), speedup: +(ref / o).toFixed(2), runs: RUNS,
        files, changed: changes, directories: dirs, directories_listed: listedLive, previous_listings_s: +median(loads).toFixed(3), walk_s: +walk.seconds.toFixed(3),
        new_inodes: median(inodes),
      })}\n`,
    );
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await backupIncrJournal100k();
