import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface FileState {
  sha256: string;
  mtimeMs: number;
}
/** Every path under a root: 'dir' for directories, content hash and mtime for files. */
export type TreeState = Map<string, FileState | 'dir'>;

export async function readTree(root: string, rel = '', out: TreeState = new Map()): Promise<TreeState> {
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      out.set(path, 'dir');
      await readTree(root, path, out);
    } else {
      const info = await stat(join(root, path));
      out.set(path, { sha256: createHash('sha256').update(await readFile(join(root, path))).digest('hex'), mtimeMs: info.mtimeMs });
    }
  }
  return out;
}

/** Differences between a source tree and a restored one (content and mtime to the millisecond). */
export function compareTrees(expected: TreeState, actual: TreeState): string[] {
  const problems: string[] = [];
  for (const [path, want] of expected) {
    const got = actual.get(path);
    if (got === undefined) problems.push(`missing ${path}`);
    else if (want === 'dir' || got === 'dir') {
      if (want !== got) problems.push(`${path}: type differs`);
    } else if (got.sha256 !== want.sha256) problems.push(`${path}: content differs`);
    else if (Math.abs(got.mtimeMs - want.mtimeMs) > 1) problems.push(`${path}: mtime ${got.mtimeMs} != ${want.mtimeMs}`);
  }
  for (const path of actual.keys()) if (!expected.has(path)) problems.push(`unexpected ${path}`);
  return problems;
}
