import { compileGlob } from './safe-glob.js';

export interface ExcludeOptions {
  /** Windows shares compare names case-insensitively; so can the patterns. */
  caseInsensitive?: boolean;
}

/**
 * Glob excludes, matched on the path relative to the share root ('/' separated, no leading '/').
 * A pattern without '/' matches a name at any depth ("*.tmp", "Thumbs.db"); a pattern with '/'
 * is anchored at the root ("Users/*\/AppData/**"); a trailing '/' limits it to directories.
 * Dot-files are matched like any other name. An excluded directory is not descended into.
 * Patterns come from console users and names from clients, so matching is linear (safe-glob.ts).
 */
export class ExcludeMatcher {
  private readonly anyDepth: ((s: string) => boolean)[] = [];
  private readonly anchored: ((s: string) => boolean)[] = [];
  private readonly dirAnyDepth: ((s: string) => boolean)[] = [];
  private readonly dirAnchored: ((s: string) => boolean)[] = [];

  constructor(patterns: readonly string[], opts: ExcludeOptions = {}) {
    const globOptions = { nocase: opts.caseInsensitive ?? false };
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '' || p.startsWith('#')) continue;
      const dirOnly = p.endsWith('/');
      p = p.replace(/\/+$/, '');
      // A leading '/' anchors a single name at the root, as in .gitignore.
      const anchored = p.includes('/');
      p = p.replace(/^\/+/, '');
      if (p === '') continue;
      const test = compileGlob(p, globOptions);
      if (dirOnly) (anchored ? this.dirAnchored : this.dirAnyDepth).push(test);
      else (anchored ? this.anchored : this.anyDepth).push(test);
    }
  }

  get empty(): boolean {
    return this.anyDepth.length + this.anchored.length + this.dirAnyDepth.length + this.dirAnchored.length === 0;
  }

  isExcluded(segments: readonly string[], isDirectory: boolean): boolean {
    if (segments.length === 0) return false;
    const rel = segments.join('/');
    const name = segments[segments.length - 1] as string;
    if (this.anchored.some((t) => t(rel)) || this.anyDepth.some((t) => t(name))) return true;
    if (!isDirectory) return false;
    return this.dirAnchored.some((t) => t(rel)) || this.dirAnyDepth.some((t) => t(name));
  }
}
