import { lstat, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { HardlinkStore } from './hardlink-store.js';
import { errnoCode } from './store.errors.js';

export interface QuarantinedContent {
  sha256: string;
  /** Store-relative paths the pool copies went to (quarantine/...). */
  movedTo: string[];
}

/**
 * Takes the pool copies of a content out of the pool when a read found them rotten, as verify
 * does: the next backup then finds the content missing and fetches it again instead of linking
 * the bad bytes, and no later snapshot links them. `inodeOf`, when given, limits this to the
 * copy that file is a hard link of (other numbered copies may still be sound).
 */
export async function quarantinePoolContent(store: HardlinkStore, sha256: string, inodeOf?: string): Promise<QuarantinedContent> {
  const result: QuarantinedContent = { sha256, movedTo: [] };
  let inode: number | undefined;
  if (inodeOf !== undefined) {
    try {
      inode = (await lstat(inodeOf)).ino;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  await mkdir(join(store.root, 'quarantine'), { recursive: true });
  for (const variant of await store.pool.variants(sha256)) {
    const path = store.pool.variantPath(sha256, variant);
    if (inode !== undefined) {
      const info = await lstat(path).catch(() => undefined);
      if (!info || info.ino !== inode) continue;
    }
    const to = join('quarantine', `${sha256}${variant ? `.${variant}` : ''}.${Date.now()}`);
    try {
      await rename(path, join(store.root, to));
      result.movedTo.push(to);
    } catch (err) {
      // Quarantined or collected meanwhile: it is out of the pool either way.
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  return result;
}
