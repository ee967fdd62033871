import { entryDiskPath, entrySegments, type ManifestEntry } from './manifest.js';
import { treeHash, treeHashEntry } from './tree-hash.js';

/** A shared folder below a folder, reached through real directories only. */
export interface SharedLink {
  /** Path from the folder to the link, true name components. */
  rel: string[];
  hash: string;
}

export interface FolderInfo {
  hash: string;
  /** Entries below the folder at any depth. */
  entries: number;
  shared: boolean;
  /** The shared folders it links to (itself excluded). */
  links: SharedLink[];
  /** The folder's children, kept when its closer asked (it is built later, by an ancestor). */
  children?: FolderChild[];
}

export interface FolderChild {
  name: string;
  entry: ManifestEntry;
  /** Directories only, once closed. */
  folder?: FolderInfo;
}

export interface ClosedFolder {
  segments: string[];
  /** The folder's own manifest entry; undefined for the snapshot root. */
  entry: ManifestEntry | undefined;
  hash: string;
  entries: number;
  children: FolderChild[];
  links: SharedLink[];
  /** Length of the longest disk path below the folder, relative to the folder. */
  deepestPath: number;
}

export interface CloseDecision {
  shared: boolean;
  /** Keep `children` in the parent's view of this folder. */
  retain?: boolean;
}

export type FolderCloser = (folder: ClosedFolder) => CloseDecision | Promise<CloseDecision>;

interface Frame {
  segments: string[];
  entry: ManifestEntry | undefined;
  children: FolderChild[];
  /** The parent's record of this folder, filled in at close. */
  slot: FolderChild | undefined;
  /** Length of its own disk path and of the longest one below it (relative to the snapshot). */
  diskLength: number;
  deepest: number;
}

/**
 * Computes the tree hash of every folder from manifest entries given in path order (comparePaths),
 * as a depth-first pass: a folder closes when the first entry outside it arrives, or at finish().
 * Memory holds the direct children of the open folders only (plus what a closer retains).
 */
export class FolderBuilder {
  private readonly stack: Frame[] = [{ segments: [], entry: undefined, children: [], slot: undefined, diskLength: -1, deepest: -1 }];
  private readonly closer: FolderCloser;

  constructor(closer: FolderCloser) {
    this.closer = closer;
  }

  async add(entry: ManifestEntry): Promise<void> {
    const segs = entrySegments(entry);
    if (segs.length === 0) {
      (this.stack[0] as Frame).entry = entry;
      return;
    }
    const child = await this.place(segs, entry, entryDiskPath(entry).length);
    if (entry.type === 'directory') {
      const diskLength = entryDiskPath(entry).length;
      this.stack.push({ segments: segs, entry, children: [], slot: child, diskLength, deepest: diskLength });
    }
  }

  /**
   * A folder whose hash is already known (an unchanged shared folder taken over whole): recorded
   * as closed without its contents. `deepest` is the longest disk path below it, relative to the
   * snapshot.
   */
  async addClosed(entry: ManifestEntry, folder: FolderInfo, deepest: number): Promise<void> {
    const child = await this.place(entrySegments(entry), entry, deepest);
    child.folder = folder;
  }

  /** Closes the folders the entry is outside of and adds it to its parent's children. */
  private async place(segs: string[], entry: ManifestEntry, deepest: number): Promise<FolderChild> {
    while (!isInside(segs, (this.top as Frame).segments)) await this.closeTop();
    const top = this.top as Frame;
    if (segs.length !== top.segments.length + 1) throw new Error(`manifest entry ${entry.path} has no parent directory entry`);
    const child: FolderChild = { name: segs[segs.length - 1] as string, entry };
    top.children.push(child);
    if (deepest > top.deepest) top.deepest = deepest;
    return child;
  }

  /** Closes every open folder, the root last; returns the root's info. */
  async finish(): Promise<FolderInfo> {
    let info: FolderInfo | undefined;
    while (this.stack.length > 0) info = await this.closeTop();
    return info as FolderInfo;
  }

  private get top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  private async closeTop(): Promise<FolderInfo> {
    const frame = this.stack.pop() as Frame;
    let entries = frame.children.length;
    const links: SharedLink[] = [];
    const hashInput = frame.children.map((c) => {
      if (c.entry.type !== 'directory') return treeHashEntry(c.name, c.entry);
      const f = c.folder as FolderInfo;
      entries += f.entries;
      if (f.shared) links.push({ rel: [c.name], hash: f.hash });
      else for (const l of f.links) links.push({ rel: [c.name, ...l.rel], hash: l.hash });
      return treeHashEntry(c.name, c.entry, f);
    });
    const hash = treeHash(hashInput);
    const parent = this.top;
    if (parent && frame.deepest > parent.deepest) parent.deepest = frame.deepest;
    const deepestPath = Math.max(0, frame.deepest - frame.diskLength - 1);
    const decision = await this.closer({ segments: frame.segments, entry: frame.entry, hash, entries, children: frame.children, links, deepestPath });
    const info: FolderInfo = { hash, entries, shared: decision.shared, links: decision.shared ? [] : links };
    if (decision.retain) info.children = frame.children;
    if (frame.slot) frame.slot.folder = info;
    return info;
  }
}

function isInside(segs: readonly string[], dir: readonly string[]): boolean {
  if (segs.length <= dir.length) return false;
  for (let i = 0; i < dir.length; i++) if (segs[i] !== dir[i]) return false;
  return true;
}
