// Benchmark of archive downloads from the api (services/api snapshots/archive), against tar
// reading the same snapshot directory locally. Plain TypeScript run by Node's type stripping
// through the runner (`npm run bench -- archive [NAME]`, which builds first; the services run
// from their built dist/ as in production). NAME: archive-zip-20k.
// The data goes into the store the production way: a private smbd share backed up by the copy
// worker. Then, alternating BENCH_RUNS times (default 3): ours = GET .../archive?format=zip of the
// folder through the api over loopback HTTP, the body read and discarded; reference =
// `tar -cf - -C <snapshot dir> <folder> | cat > /dev/null` (the pipe because GNU tar skips reading
// file contents when its output is /dev/null itself). Prints one JSON line
// {"bench","ours_s","reference_s","speedup",...} of medians, with the api's peak RSS during ours.
// BENCH_SCALE (default 1) shrinks the data (0.1 = 2,000 files and 100 MiB).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

await import('../../services/copy-worker/src/engine/testing/ts-resolve.mjs');
const { startStack } = (await import('../harness/services.ts')) as typeof import('../harness/services.ts');
const { startSamba } = (await import('../harness/samba.ts')) as typeof import('../harness/samba.ts');
const { BackupDriver } = (await import('../harness/backups.ts')) as typeof import('../harness/backups.ts');

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const MiB = 1024 * 1024;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function rssOf(pid: number): Promise<number> {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(kib?.[1] ?? 0) * 1024;
}

function shell(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (${code}): ${err}`))));
  });
}

async function main(): Promise<void> {
  const only = process.argv[2];
  if (only && only !== 'archive-zip-20k') throw new Error(`unknown bench ${only}`);
  const files = Math.round(20_000 * SCALE);
  const bigSize = Math.round(1024 * MiB * SCALE);
  const work = await mkdtemp(join(tmpdir(), 'bt-archive-bench-'));
  const share = join(work, 'share');
  const folder = join(share, 'data');
  for (let d = 0; d * 100 < files; d++) {
    const dir = join(folder, `d${String(d).padStart(4, '0')}`);
    await mkdir(dir, { recursive: true });
    const n = Math.min(100, files - d * 100);
    await Promise.all(Array.from({ length: n }, (_, k) => writeFile(join(dir, `f${String(k).padStart(3, '0')}.dat`), randomBytes(4096))));
  }
  const big = await open(join(folder, 'big.bin'), 'w');
  for (let written = 0; written < bigSize; written += 16 * MiB) await big.write(randomBytes(Math.min(16 * MiB, bigSize - written)));
  await big.close();

  const samba = await startSamba();
  await samba.addUser('bench', 'Bench-pass-1');
  await samba.addShare('docs', share);
  const stack = await startStack({ services: ['api', 'copy-worker'], env: { STORE_ROOT: join(work, 'store'), LOG_LEVEL: 'warn' } });
  const driver = await new BackupDriver(stack.env).connect();
  try {
    const login = await fetch(`${stack.apiUrl}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: stack.adminEmail, password: stack.adminPassword }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const call = (path: string, body: unknown) =>
      fetch(`${stack.apiUrl}/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ id: string }>);
    const client = await call('/clients', { name: 'bench', hostname: 'bench' });
    await call(`/clients/${client.id}/shares`, { name: 'docs', url: `smb://127.0.0.1:${samba.port}/docs`, username: 'bench', password: 'Bench-pass-1' });
    const run = await driver.waitFinished(await driver.enqueue(client.id), 1_800_000);
    if (run.state !== 'succeeded') throw new Error(`the backup ended ${run.state}: ${run.error}`);
    const snapshotDir = join(work, 'store', 'snapshots', client.id, String(run.seq));
    const apiPid = stack.services.find((s) => s.name === 'api')!.process.pid!;

    const ours: number[] = [];
    const reference: number[] = [];
    let bytes = 0;
    let peakRss = 0;
    for (let i = 0; i < RUNS; i++) {
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peakRss = Math.max(peakRss, await rssOf(apiPid));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      const t0 = performance.now();
      const response = await fetch(`${stack.apiUrl}/api/clients/${client.id}/snapshots/${run.seq}/archive?format=zip&path=docs/data`, { headers: { cookie } });
      if (response.status !== 200) throw new Error(`archive: ${response.status} ${await response.text()}`);
      bytes = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
      ours.push((performance.now() - t0) / 1000);
      sampling = false;
      await sampler;
      const t1 = performance.now();
      await shell(`tar -cf - -C '${snapshotDir}/docs' data | cat > /dev/null`);
      reference.push((performance.now() - t1) / 1000);
    }
    const o = median(ours);
    const r = median(reference);
    process.stdout.write(
      JSON.stringify({
        bench: 'archive-zip-20k', ours_s: +o.toFixed(3), reference_s: +r.toFixed(3), speedup: +(r / o).toFixed(2), runs: RUNS,
        files, big_bytes: bigSize, archive_bytes: bytes, api_peak_rss_mib: Math.round(peakRss / MiB),
      }) + '\n',
    );
  } finally {
    await driver.close();
    await stack.stop();
    await samba.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
