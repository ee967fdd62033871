import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './services.js';

/** The oldest Node.js major the agent promises to run on (its package.json "engines"). */
export function agentMinimumNodeMajor(): number {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'services/agent/package.json'), 'utf8')) as { engines?: { node?: string } };
  const m = /^>=\s*(\d+)/.exec(pkg.engines?.node ?? '');
  if (!m) throw new Error('services/agent/package.json: engines.node must read ">=MAJOR"');
  return Number(m[1]);
}

/** Path of a node binary of that major, fetched from the npm registry on first use. */
export function nodeBinary(major: number): string {
  const bin = execFileSync(join(repoRoot, 'scripts/fetch-node.sh'), [String(major)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return join(bin, 'node');
}
