import { type BackupSource, ExcludeMatcher, SourceError, type SourceEntry } from '../engine/index.js';

/** One share of a client, mounted in the snapshot under its name. */
export interface ShareMount {
  /** Top-level directory name in the snapshot (the share's name in the catalog). */
  name: string;
  source: BackupSource;
  /** Sub-directory of the source to back up (from the share URL's path); [] for its root. */
  root: readonly string[];
  /** The share's exclude patterns, matched relative to `root`. */
  excludes: readonly string[];
  mtime: number;
}

/**
 * All shares of one client as one source, so one backup run writes one snapshot whose top-level
 * directories are the share names. Each share's excludes are applied within its own tree.
 */
export class ShareSetSource implements BackupSource {
  private readonly mounts: Map<string, ShareMount & { matcher: ExcludeMatcher }>;

  constructor(mounts: readonly ShareMount[]) {
    this.mounts = new Map(mounts.map((mount) => [mount.name, { ...mount, matcher: new ExcludeMatcher(mount.excludes) }]));
  }

  async list(dir: readonly string[], signal?: AbortSignal): Promise<SourceEntry[]> {
    if (dir.length === 0) {
      return [...this.mounts.values()].map((mount) => ({ name: mount.name, type: 'directory', size: 0, mtime: mount.mtime }));
    }
    const [mount, inner] = this.resolve(dir);
    const entries = await mount.source.list([...mount.root, ...inner], signal);
    return mount.matcher.empty ? entries : entries.filter((entry) => !mount.matcher.isExcluded([...inner, entry.name], entry.type === 'directory'));
  }

  async createReadStream(path: readonly string[], signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const [mount, inner] = this.resolve(path);
    return mount.source.createReadStream([...mount.root, ...inner], signal);
  }

  async stat(path: readonly string[]): Promise<SourceEntry> {
    if (path.length === 1) {
      const mount = this.mounts.get(path[0]!);
      if (mount) return { name: mount.name, type: 'directory', size: 0, mtime: mount.mtime };
    }
    const [mount, inner] = this.resolve(path);
    return { ...(await mount.source.stat([...mount.root, ...inner])), name: path[path.length - 1]! };
  }

  async close(): Promise<void> {
    await Promise.all([...this.mounts.values()].map((mount) => mount.source.close?.()));
  }

  private resolve(path: readonly string[]): [ShareMount & { matcher: ExcludeMatcher }, readonly string[]] {
    const mount = this.mounts.get(path[0] ?? '');
    if (!mount) throw new SourceError('not-found', `no share named ${JSON.stringify(path[0])} in this backup`);
    return [mount, path.slice(1)];
  }
}
