import { closeSync, lutimesSync, mkdirSync, openSync, symlinkSync } from 'node:fs';
import { readdir, readFile, readlink, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { FolderChild, SharedLink } from './folder-builder.js';
import { EMPTY_SHA256, type ManifestEntry } from './manifest.js';
import { encodeName } from './name-codec.js';
import { errnoCode } from './store.errors.js';
import { TREE_HASH_RE } from './tree-hash.js';

export const DIRS_DIR = 'dirs';
export const CHILDREN_SUFFIX = '.children';
/** `.backtrac/trees.jsonl` of a snapshot: the tree hash of each shared folder, by disk path. */
export const TREES_FILE = 'trees.jsonl';

/** Depth below the store root of a snapshot directory (snapshots/<client>/<seq>) and of a shared folder (dirs/aa/bb/<hash>). */
export const SNAPSHOT_DEPTH = 3;
export const SHARED_FOLDER_DEPTH = 4;

export function sharedFolderRel(hash: string): string {
  if (!TREE_HASH_RE.test(hash)) throw new Error(`not a tree hash: ${hash}`);
  return `${DIRS_DIR}/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
}

/**
 * The relative symlink target that reaches the shared folder from a directory `depth` levels
 * below the store root. Relative, so the store can be moved or mounted elsewhere.
 */
export function sharedLinkTarget(depth: number, hash: string): string {
  return '../'.repeat(depth) + sharedFolderRel(hash);
}

const LINK_TARGET_RE = /^(?:\.\.\/)+dirs\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

/** The tree hash a store-made shared-folder link points to, or undefined. */
export function parseSharedLinkTarget(target: string): string | undefined {
  const m = LINK_TARGET_RE.exec(target);
  if (!m || !(m[3] as string).startsWith((m[1] as string) + (m[2] as string))) return undefined;
  return m[3];
}

export function formatChildren(links: readonly SharedLink[]): string {
  return [...new Set(links.map((l) => l.hash))].sort().map((h) => h + '\n').join('');
}

export function parseChildren(text: string): string[] {
  return text.split('\n').filter((l) => TREE_HASH_RE.test(l));
}

export interface BuildContext {
  /** Hard-links pool content to dest, synchronously; false when that needs the slow path. */
  linkContentFast(sha256: string, dest: string): boolean;
  /** Hard-links pool content to dest; false when the pool lacks it. */
  linkContent(sha256: string, dest: string): Promise<boolean>;
  /** Fetches a file again when the pool no longer has its content. */
  refetch?: (entry: ManifestEntry, dest: string) => Promise<void>;
}

/**
 * Creates the children of a folder on disk inside `dir` (which exists), `depth` levels below the
 * store root at its final place: files linked from the pool, symlinks as read, shared children as
 * links to their folder, other folders recursively from their retained children. Folders are
 * built one at a time in manifest order, so the calls are synchronous: one thread-pool round
 * trip per entry would cost more than the calls themselves.
 */
export async function buildChildren(dir: string, depth: number, children: readonly FolderChild[], ctx: BuildContext): Promise<void> {
  for (const child of children) {
    const p = `${dir}/${encodeName(child.name)}`;
    const e = child.entry;
    if (e.type === 'directory') {
      const f = child.folder;
      if (!f) throw new Error(`folder ${e.path} was not closed before being built`);
      if (f.shared) {
        symlinkSync(sharedLinkTarget(depth, f.hash), p);
        continue;
      }
      if (!f.children) throw new Error(`folder ${e.path} kept no contents to build from`);
      mkdirSync(p);
      await buildChildren(p, depth + 1, f.children, ctx);
    } else if (e.type === 'symlink') {
      symlinkSync(e.target ?? '', p);
      try {
        lutimesSync(p, e.mtime / 1000, e.mtime / 1000);
      } catch {
        // best effort, as for snapshots: the manifest is the record
      }
    } else if (e.size === 0 || e.sha256 === EMPTY_SHA256) {
      closeSync(openSync(p, 'wx', 0o444));
    } else if (!ctx.linkContentFast(e.sha256 as string, p) && !(await ctx.linkContent(e.sha256 as string, p))) {
      if (!ctx.refetch) throw new Error(`content of ${e.path} (${e.sha256}) is not in the pool`);
      await ctx.refetch(e, p);
    }
  }
}

/** Re-points the shared-folder links below a built folder for its new place `depth` levels down. */
export async function repointLinks(dir: string, depth: number, links: readonly SharedLink[]): Promise<void> {
  for (const l of links) {
    const p = `${dir}/${l.rel.map(encodeName).join('/')}`;
    await unlink(p);
    await symlink(sharedLinkTarget(depth + l.rel.length - 1, l.hash), p);
  }
}

/**
 * The shared folders a folder links to, found on disk without following anything: used by gc when
 * a `.children` file is missing, and for `.partial` snapshots whose trees file is not written yet.
 */
export async function scanSharedLinks(dir: string, found: (hash: string) => void): Promise<void> {
  let names;
  try {
    names = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
    throw err;
  }
  for (const d of names) {
    if (d.isSymbolicLink()) {
      const hash = parseSharedLinkTarget(await readlink(join(dir, d.name)).catch(() => ''));
      if (hash) found(hash);
    } else if (d.isDirectory()) await scanSharedLinks(join(dir, d.name), found);
  }
}

export async function readChildrenFile(path: string): Promise<string[] | undefined> {
  try {
    return parseChildren(await readFile(path, 'utf8'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}
