// Benchmarks of restores (services/copy-worker/src/restore): a snapshot in a hardlink store
// written into a private smbd share through @backtrac/smb, against smbclient on the same share.
// Run through the runner (`npm run bench -- restore [NAME]`, which builds first).
// NAME: restore-20k | restore-1g | restore-incr-100k. The restore code is loaded from its
// TypeScript sources (the resolve hook maps their '.js' imports to '.ts').
// Prints one JSON line per bench {"bench","ours_s","reference_s","speedup",...}: medians of
// BENCH_RUNS (default 3) runs, ours and smbclient alternating. BENCH_SCALE (default 1) shrinks
// the data (0.1 = 2,000 files, 100 MiB, 10,000 files).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, type SmbSession } from '@backtrac/smb';
import { entrySegments, HardlinkStore } from '@backtrac/store';
import { smbclientArgs, startSamba } from '../harness/samba.ts';

await import('../../services/copy-worker/src/engine/testing/ts-resolve.mjs');
const { BackupEngine, LocalDirectorySource } = (await import('../../services/copy-worker/src/engine/index.ts')) as typeof import('../../services/copy-worker/src/engine/index.ts');
const { RestoreWriter } = (await import('../../services/copy-worker/src/restore/restore-writer.ts')) as typeof import('../../services/copy-worker/src/restore/restore-writer.ts');
const { planEntry } = (await import('../../services/copy-worker/src/restore/restore-plan.ts')) as typeof import('../../services/copy-worker/src/restore/restore-plan.ts');
type PlannedEntry = import('../../services/copy-worker/src/restore/restore-plan.ts').PlannedEntry;
type RestorePolicy = 'overwrite' | 'skip-existing' | 'if-different' | 'rename';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const IN_FLIGHT = Number(process.env.BENCH_FILES_IN_FLIGHT ?? 16);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
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

async function timed(fn: () => Promise<void>): Promise<number> {
  // No dirty pages waiting for writeback at the start, so neither tool is throttled by what the
  // other (or the fixture) just wrote.
  await new Promise<void>((resolve) => spawn('sync', { stdio: 'ignore' }).on('exit', () => resolve()));
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

/** Backs a local tree up as snapshot 1 of client `pc` of a fresh store (not timed). */
async function snapshotOf(tree: string, storeDir: string): Promise<HardlinkStore> {
  const store = await HardlinkStore.open(storeDir, { create: true });
  const r = await new BackupEngine(store).run(new LocalDirectorySource(tree), { client: 'pc', jobId: `bench-${Date.now()}`, filesInFlight: IN_FLIGHT });
  if (r.outcome !== 'complete') throw new Error(`backup ended ${r.outcome}`);
  return store;
}

/** What the copy worker does for a restore of the whole snapshot into `base`: read the manifest, plan, write. */
async function restore(store: HardlinkStore, sessions: SmbSession[], base: string[], policy: RestorePolicy): Promise<{ restored: number; skipped: number }> {
  const entries: PlannedEntry[] = [];
  for await (const entry of store.readManifest('pc', 1)) {
    const outcome = planEntry(entry, entrySegments(entry), [], { kind: 'folder', key: 'dst', base }, false);
    if (outcome && 'planned' in outcome) entries.push(outcome.planned);
  }
  const writer = new RestoreWriter(store, {
    client: 'pc', seq: 1, restoreId: 'benchmark', policy, verifyReadBack: false, resume: false, renameStamp: new Date(), filesInFlight: IN_FLIGHT,
    signal: new AbortController().signal, sessions: new Map([['dst', sessions]]), onLog: () => undefined, onProgress: () => undefined,
  });
  const counters = await writer.run(entries);
  if (counters.failed > 0) throw new Error(`${counters.failed} files failed`);
  return counters;
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const wants = (name: string): boolean => !only || only === 'restore' || only === name;
  const root = await mkdtemp(join(tmpdir(), 'bt-restore-bench-'));
  const dest = join(root, 'dest');
  await mkdir(dest);
  const server = await startSamba();
  try {
    await server.addUser(USER, PASSWORD);
    await server.addShare('dest', dest);
    const args = smbclientArgs(server, 'dest', USER, PASSWORD);
    const session = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(server.url('dest', USER), { password: PASSWORD })));
    const report = (bench: string, ours: number[], reference: number[], extra: Record<string, number> = {}): void => {
      const o = median(ours);
      const r = median(reference);
      process.stdout.write(JSON.stringify({ bench, ours_s: +o.toFixed(3), reference_s: +r.toFixed(3), speedup: +(r / o).toFixed(2), runs: ours.length, ...extra }) + '\n');
    };

    if (wants('restore-20k')) {
      const files = Math.round(20_000 * SCALE);
      const tree = join(root, 'small');
      await makeTree(tree, files, 4096);
      const store = await snapshotOf(tree, join(root, 'store-20k'));
      const ours: number[] = [];
      const ref: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        ours.push(await timed(async () => {
          const c = await restore(store, session, [`ours-${i}`], 'overwrite');
          if (c.restored !== files) throw new Error(`restored ${c.restored} of ${files}`);
        }));
        await rm(join(dest, `ours-${i}`), { recursive: true, force: true });
        ref.push(await timed(() => smbclient(args, `mkdir ref-${i}; cd ref-${i}; prompt OFF; recurse ON; mput *`, tree)));
        await rm(join(dest, `ref-${i}`), { recursive: true, force: true });
      }
      report('restore-20k', ours, ref, { files });
      await rm(tree, { recursive: true, force: true });
      await rm(join(root, 'store-20k'), { recursive: true, force: true });
    }

    if (wants('restore-1g')) {
      const bytes = Math.round(1024 * SCALE) * MiB;
      const tree = join(root, 'big');
      await mkdir(tree);
      const block = randomBytes(16 * MiB);
      const fh = await open(join(tree, 'big.bin'), 'w');
      for (let off = 0; off < bytes; off += block.length) await fh.write(block, 0, Math.min(block.length, bytes - off));
      await fh.close();
      const store = await snapshotOf(tree, join(root, 'store-1g'));
      const ours: number[] = [];
      const ref: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        ours.push(await timed(async () => {
          await restore(store, session, [`ours-${i}`], 'overwrite');
        }));
        await rm(join(dest, `ours-${i}`), { recursive: true, force: true });
        ref.push(await timed(() => smbclient(args, `mkdir ref-${i}; cd ref-${i}; put big.bin`, tree)));
        await rm(join(dest, `ref-${i}`), { recursive: true, force: true });
      }
      report('restore-1g', ours, ref, { bytes });
      await rm(tree, { recursive: true, force: true });
      await rm(join(root, 'store-1g'), { recursive: true, force: true });
    }

    if (wants('restore-incr-100k')) {
      const files = Math.round(100_000 * SCALE);
      const tree = join(root, 'many');
      await makeTree(tree, files, 64);
      const store = await snapshotOf(tree, join(root, 'store-100k'));
      await restore(store, session, ['incr'], 'overwrite'); // the destination as it was, not timed
      const changed = Array.from({ length: 100 }, (_, k) => join(dest, 'incr', `d${String(k * Math.floor(files / 100 / 100)).padStart(4, '0')}`, `f${String(k % 100).padStart(3, '0')}.dat`));
      const ours: number[] = [];
      const ref: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        // 100 files differ at the destination before each run (content and time).
        for (const path of changed) {
          await writeFile(path, randomBytes(64));
          await utimes(path, new Date(Date.UTC(2031, 0, 1, 0, 0, i)), new Date(Date.UTC(2031, 0, 1, 0, 0, i)));
        }
        ours.push(await timed(async () => {
          const c = await restore(store, session, ['incr'], 'if-different');
          if (c.restored !== changed.length || c.skipped !== files - changed.length) throw new Error(`restored ${c.restored}, skipped ${c.skipped}`);
        }));
        ref.push(await timed(() => smbclient(args, 'cd incr; recurse; ls')));
      }
      report('restore-incr-100k', ours, ref, { files, differing: changed.length });
      await rm(tree, { recursive: true, force: true });
      await rm(join(root, 'store-100k'), { recursive: true, force: true });
    }
    await Promise.all(session.map((s) => s.close()));
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
