const key = (segs: readonly string[]): string => segs.join('\u0000');

/**
 * The directories a journal-mode backup must list for real. A changed path makes every
 * ancestor-or-self of its parent dirty (the entry itself may have been added, changed, removed or
 * renamed, and that shows only in its parent's listing); a changed path may also be a directory
 * whose contents the agent could not see one by one (a new or moved-in tree), so everything at or
 * below it is read for real too. Every other directory is unchanged since the previous snapshot.
 */
export class DirtyDirectories {
  private readonly dirty = new Set<string>();
  private readonly subtrees = new Set<string>();

  /** `path` is the changed path's components within the snapshot (share name first). */
  add(path: readonly string[]): void {
    this.subtrees.add(key(path));
    for (let i = 0; i < path.length; i++) this.dirty.add(key(path.slice(0, i)));
  }

  /** Adds an agent-reported path ('/'-separated, relative to the share) of one share. */
  addReported(share: string, reported: string): void {
    const parts = reported.split('/').filter((p) => p !== '' && p !== '.');
    // A path that climbs out cannot be placed: the whole share is read for real.
    this.add(parts.includes('..') ? [share] : [share, ...parts]);
  }

  /** True when `dir` must be listed from the share, false when the previous snapshot's listing holds. */
  mustList(dir: readonly string[]): boolean {
    if (this.dirty.has(key(dir))) return true;
    for (let i = dir.length; i >= 0; i--) if (this.subtrees.has(key(dir.slice(0, i)))) return true;
    return false;
  }

  get size(): number {
    return this.subtrees.size;
  }
}
