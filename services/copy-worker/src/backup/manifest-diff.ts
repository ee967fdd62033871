import type { CatalogChange, CatalogEntry } from '@backtrac/catalog';
import { comparePaths, entrySegments, type ManifestEntry } from '@backtrac/store';

/** The catalog's view of a manifest entry: its directory, its name and what identifies a version. */
export function toCatalogEntry(entry: ManifestEntry): CatalogEntry {
  const segments = entrySegments(entry);
  return {
    parent: segments.slice(0, -1).join('/'),
    name: segments[segments.length - 1] ?? '',
    type: entry.type === 'directory' ? 'dir' : entry.type,
    size: entry.size,
    mtime: entry.mtime,
    mode: entry.mode,
    sha256: entry.sha256 ?? null,
    linkTarget: entry.target ?? null,
  };
}

function sameVersion(a: ManifestEntry, b: ManifestEntry): boolean {
  return a.type === b.type && a.size === b.size && a.mtime === b.mtime && a.mode === b.mode && a.sha256 === b.sha256 && a.target === b.target;
}

/**
 * Walks two manifests (both sorted by comparePaths, as the store writes them) side by side and
 * yields what the catalog must record: new paths, paths whose version changed, and paths that are
 * gone. The root entry itself is not catalogued. Memory stays constant whatever the tree size.
 */
export async function* diffManifests(previous: AsyncIterable<ManifestEntry>, next: AsyncIterable<ManifestEntry>): AsyncGenerator<CatalogChange> {
  const before = previous[Symbol.asyncIterator]();
  const after = next[Symbol.asyncIterator]();
  let a = await before.next();
  let b = await after.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : comparePaths(entrySegments(a.value), entrySegments(b.value));
    if (order < 0) {
      const old = toCatalogEntry(a.value!);
      if (old.name !== '' || old.parent !== '') yield { kind: 'removed', parent: old.parent, name: old.name };
      a = await before.next();
    } else if (order > 0) {
      const entry = toCatalogEntry(b.value!);
      if (entrySegments(b.value!).length > 0) yield { kind: 'added', entry };
      b = await after.next();
    } else {
      if (!sameVersion(a.value!, b.value!) && entrySegments(b.value!).length > 0) yield { kind: 'changed', entry: toCatalogEntry(b.value!) };
      a = await before.next();
      b = await after.next();
    }
  }
}
