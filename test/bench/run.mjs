// npm run bench -- NAME [BENCH...]: builds, then runs test/bench/NAME.bench.ts with Node 24's
// TypeScript support. Each bench prints one JSON line {"bench","ours_s","reference_s","speedup"}.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const available = readdirSync(`${root}test/bench`).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace('.bench.ts', ''));
const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [BENCH...]\n  NAME: ${available.join(', ')}`);
  process.exit(2);
}
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error('benchmarks need Node 24: run `source scripts/use-node24.sh` first');
  process.exit(2);
}
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const script = `${root}test/bench/${name}.bench.ts`;
if (!existsSync(script)) process.exit(2);
const run = spawnSync(process.execPath, [script, ...rest], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
