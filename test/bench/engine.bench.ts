// Benchmarks of the backup engine (services/copy-worker/src/engine) pulling from a private smbd
// through @backtrac/smb into a hardlink store, against smbclient on the same share.
// Plain TypeScript without decorators, run by Node's type stripping, either through the runner
// (`npm run bench -- engine [NAME]`, which builds first) or directly, after
// `npx tsc -b libs/store libs/smb`:  node test/bench/engine.bench.ts [NAME]
// or from sources only:  node --conditions=source --import ./services/copy-worker/src/engine/testing/ts-resolve.mjs test/bench/engine.bench.ts [NAME]
// NAME: backup-full-20k | backup-incr-nochange-100k | prune-100k | backup-full-1g. The engine itself is always
// loaded from its TypeScript sources (the resolve hook maps their '.js' imports to '.ts').
// Prints one JSON line per bench {"bench","ours_s","reference_s","speedup",...}: medians of
// BENCH_RUNS (default 3) runs, ours and smbclient alternating. BENCH_SCALE (default 1) shrinks
// the data (0.1 = 2,000 files, 10,000 files, 100 MiB). backup-incr-nochange-100k also reports the
// peak RSS of this process during our incremental runs (the engine holds no tree in memory).
// backup-full-1g also reports reference_durable_s: smbclient get followed by syncfs of the copy,
// because our snapshot is only complete once it is on disk (the store syncs before the rename),
// and disk_floor_s: `dd conv=fdatasync` of the same size, the disk's own limit.
// backup-incr-nochange-100k reports new_inodes (statfs of the store's filesystem before and after
// each run: a store-format-2 snapshot of an unchanged tree is a few links, not a tree of links).
// prune-100k deletes one 100,000-file snapshot whose folders it shares with its neighbours
// (deleteSnapshot + emptying trash) against `rm -rf` of a format-1 copy (real directories and one
// hard link per file, as `cp -al` of the snapshot makes it).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect } from '@backtrac/smb';
import { HardlinkStore } from '@backtrac/store';
import { smbclientArgs, startSamba } from '../harness/samba.ts';

// The hook must be registered before the engine's sources are imported, hence the dynamic imports.
await import('../../services/copy-worker/src/engine/testing/ts-resolve.mjs');
const { BackupEngine, SmbShareSource } = (await import('../../services/copy-worker/src/engine/index.ts')) as typeof import('../../services/copy-worker/src/engine/index.ts');

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const IN_FLIGHT = Number(process.env.BENCH_FILES_IN_FLIGHT ?? 16);
// BENCH_SHARED_THRESHOLD: the store's shared-folder threshold (a huge one writes format-1 layouts, for comparison).
const STORE_OPTIONS = process.env.BENCH_SHARED_THRESHOLD ? { sharedFolderThreshold: Number(process.env.BENCH_SHARED_THRESHOLD) } : {};
const USER = 'bench';
const PASSWORD = 'Bench-pass-1';
const MiB = 1024 * 1024;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

function smbclient(args: string[], command: string, cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('smbclient', [...args, '-c', command], { stdio: ['ignore', 'ignore', 'pipe'], ...(cwd ? { cwd } : {}) });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`smbclient ${command} failed (${code}): ${err}`))));
  });
}

function syncFilesystem(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn('sync', ['-f', path], { stdio: 'ignore' }).on('error', reject).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sync -f exited ${code}`))));
  });
}

function run(cmd: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn(cmd, argv, { stdio: 'ignore' }).on('error', reject).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function inodesInUse(path: string): Promise<number> {
  const s = await statfs(path);
  return s.files - s.ffree;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function makeTree(dir: string, files: number, bytes: number): Promise<void> {
  const perDir = 100;
  for (let d = 0; d * perDir < files; d++) {
    const sub = join(dir, `d${String(d).padStart(4, '0')}`);
    await mkdir(sub, { recursive: true });
    const n = Math.min(perDir, files - d * perDir);
    await Promise.all(Array.from({ length: n }, (_, k) => writeFile(join(sub, `f${String(k).padStart(3, '0')}.dat`), randomBytes(bytes))));
  }
}

/** One incremental in a fresh process, so its peak RSS is the copy worker's, not the bench's. */
async function childIncremental(url: string, storeDir: string): Promise<void> {
  const session = await connect(url, { password: PASSWORD });
  const store = await HardlinkStore.open(storeDir, STORE_OPTIONS);
  const t0 = performance.now();
  const r = await new BackupEngine(store).run(new SmbShareSource(session), { client: 'pc', jobId: `bench-${Date.now()}`, filesInFlight: IN_FLIGHT });
  const seconds = (performance.now() - t0) / 1000;
  await session.close();
  const files = r.counters.filesUnchanged + r.counters.filesNew + r.counters.filesChanged;
  process.stdout.write(JSON.stringify({ seconds, files, bytesRead: r.counters.bytesRead, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
}

function runChildIncremental(url: string, storeDir: string): Promise<{ seconds: number; files: number; bytesRead: number; maxRssMiB: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, '--child-incremental', url, storeDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { seconds: number; files: number; bytesRead: number; maxRssMiB: number }) : reject(new Error(`child exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const wants = (name: string): boolean => !only || only === 'engine' || only === name;
  const root = await mkdtemp(join(tmpdir(), 'bt-engine-bench-'));
  const scratch = await mkdtemp(join(tmpdir(), 'bt-engine-bench-out-'));
  const server = await startSamba();
  try {
    await server.addUser(USER, PASSWORD);
    const args = (share: string): string[] => smbclientArgs(server, share, USER, PASSWORD);
    const report = (bench: string, ours: number[], reference: number[], extra: Record<string, number> = {}): void => {
      const o = median(ours);
      const r = median(reference);
      const line = { bench, ours_s: +o.toFixed(3), reference_s: +r.toFixed(3), speedup: +(r / o).toFixed(2), runs: ours.length, ...extra };
      process.stdout.write(JSON.stringify(line) + '\n');
    };
    const backup = async (share: string, store: HardlinkStore, client: string): Promise<number> => {
      const session = await connect(server.url(share, USER), { password: PASSWORD });
      try {
        const r = await new BackupEngine(store).run(new SmbShareSource(session), { client, jobId: `bench-${Date.now()}`, filesInFlight: IN_FLIGHT });
        if (r.outcome !== 'complete') throw new Error(`backup ended ${r.outcome}`);
        return r.counters.filesUnchanged + r.counters.filesNew + r.counters.filesChanged;
      } finally {
        await session.close();
      }
    };

    if (wants('backup-full-20k')) {
      const files = Math.round(20_000 * SCALE);
      const share = join(root, 'small');
      await makeTree(share, files, 4096);
      await server.addShare('small', share);
      const ours: number[] = [];
      const ref: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const storeDir = join(scratch, `store-20k-${i}`);
        const store = await HardlinkStore.open(storeDir, { create: true });
        ours.push(await timed(async () => {
          const n = await backup('small', store, 'pc');
          if (n !== files) throw new Error(`backed up ${n} of ${files} files`);
        }));
        await rm(storeDir, { recursive: true, force: true });
        const out = join(scratch, `mget-${i}`);
        await mkdir(out);
        ref.push(await timed(() => smbclient(args('small'), 'prompt OFF; recurse ON; mget *', out)));
        await rm(out, { recursive: true, force: true });
      }
      report('backup-full-20k', ours, ref);
      await rm(share, { recursive: true, force: true });
    }

    if (wants('backup-incr-nochange-100k')) {
      const files = Math.round(100_000 * SCALE);
      const share = join(root, 'many');
      await makeTree(share, files, 64);
      await server.addShare('many', share);
      const storeDir = join(scratch, 'store-100k');
      const store = await HardlinkStore.open(storeDir, { create: true, ...STORE_OPTIONS });
      await backup('many', store, 'pc'); // the first, full backup is not timed
      const ours: number[] = [];
      const ref: number[] = [];
      let peak = 0;
      const inodes: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        // Timed inside the child (engine run only, no Node start-up), like smbclient's own work.
        const before = await inodesInUse(storeDir);
        const r = await runChildIncremental(server.url('many', USER), storeDir);
        inodes.push((await inodesInUse(storeDir)) - before);
        if (r.files !== files || r.bytesRead !== 0) throw new Error(`incremental saw ${r.files} of ${files} files, read ${r.bytesRead} bytes`);
        ours.push(r.seconds);
        peak = Math.max(peak, r.maxRssMiB);
        ref.push(await timed(() => smbclient(args('many'), 'recurse; ls')));
      }
      report('backup-incr-nochange-100k', ours, ref, { peak_rss_mib: peak, new_inodes: median(inodes) });
      await rm(storeDir, { recursive: true, force: true });
      await rm(share, { recursive: true, force: true });
    }

    if (wants('prune-100k')) {
      const files = Math.round(100_000 * SCALE);
      const share = join(root, 'prune');
      await makeTree(share, files, 64);
      await server.addShare('prune', share);
      const store = await HardlinkStore.open(join(scratch, 'store-prune'), { create: true });
      // A format-1 snapshot of the same tree for the reference: real directories only.
      const flat = await HardlinkStore.open(join(scratch, 'store-prune-v1'), { create: true, sharedFolderThreshold: Number.MAX_SAFE_INTEGER });
      await backup('prune', flat, 'pc');
      await backup('prune', store, 'pc');
      const ours: number[] = [];
      const ref: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        // Snapshots n and n+1 share every folder with each other; n is deleted, n+1 stays.
        await backup('prune', store, 'pc');
        const seq = (await store.latestSnapshot('pc')) as number;
        await backup('prune', store, 'pc');
        ours.push(await timed(async () => {
          await store.deleteSnapshot('pc', seq);
          await store.emptyTrash();
        }));
        const copy = join(scratch, `prune-copy-${i}`);
        await run('cp', ['-al', flat.snapshotDir('pc', 1), copy]);
        await syncFilesystem(copy);
        ref.push(await timed(() => run('rm', ['-rf', copy])));
      }
      report('prune-100k', ours, ref);
      await rm(store.root, { recursive: true, force: true });
      await rm(flat.root, { recursive: true, force: true });
      await rm(share, { recursive: true, force: true });
    }

    if (wants('backup-full-1g')) {
      const bytes = Math.round(1024 * SCALE) * MiB;
      const share = join(root, 'big');
      await mkdir(share);
      const block = randomBytes(16 * MiB);
      const fh = await open(join(share, 'big.bin'), 'w');
      for (let off = 0; off < bytes; off += block.length) await fh.write(block, 0, Math.min(block.length, bytes - off));
      await fh.close();
      await server.addShare('big', share);
      const ours: number[] = [];
      const ref: number[] = [];
      const durable: number[] = [];
      const floor: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const storeDir = join(scratch, `store-1g-${i}`);
        const store = await HardlinkStore.open(storeDir, { create: true });
        ours.push(await timed(async () => {
          await backup('big', store, 'pc');
        }));
        await rm(storeDir, { recursive: true, force: true });
        const out = join(scratch, `get-${i}`);
        await mkdir(out);
        ref.push(await timed(() => smbclient(args('big'), 'get big.bin', out)));
        await rm(out, { recursive: true, force: true });
        // The same copy made durable the way the store makes a snapshot durable (syncfs), since
        // smbclient returns with its 1 GiB still in the page cache and ours does not.
        await mkdir(out);
        durable.push(await timed(async () => {
          await smbclient(args('big'), 'get big.bin', out);
          await syncFilesystem(out);
        }));
        await rm(out, { recursive: true, force: true });
        const ddFile = join(scratch, `dd-${i}.bin`);
        floor.push(await timed(() => run('dd', ['if=/dev/zero', `of=${ddFile}`, 'bs=16M', `count=${bytes / (16 * MiB)}`, 'conv=fdatasync'])));
        await rm(ddFile, { force: true });
      }
      report('backup-full-1g', ours, ref, {
        reference_durable_s: +median(durable).toFixed(3),
        speedup_vs_durable: +(median(durable) / median(ours)).toFixed(2),
        disk_floor_s: +median(floor).toFixed(3),
        ours_over_floor: +(median(ours) / median(floor)).toFixed(2),
      });
      await rm(share, { recursive: true, force: true });
    }
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child-incremental') await childIncremental(process.argv[3] as string, process.argv[4] as string);
else await main();
