import type { CatalogChange } from '@backtrac/catalog';
import { type HardlinkStore, type ManifestEntry } from '@backtrac/store';
import { diffManifests } from '../../backup/manifest-diff.js';

/** A change as the catalog records it, with its path joined for easy comparison. */
export type PathChange = CatalogChange & { path: string };

async function* nothing(): AsyncGenerator<ManifestEntry> {}

/**
 * What the catalog learns from snapshot `seq` against `previousSeq` (none: a first snapshot),
 * computed the way production does it: by diffing the two finished manifests.
 */
export async function snapshotChanges(store: HardlinkStore, client: string, previousSeq: number | undefined, seq: number): Promise<PathChange[]> {
  const previous = previousSeq === undefined ? nothing() : store.readManifest(client, previousSeq);
  const out: PathChange[] = [];
  for await (const change of diffManifests(previous, store.readManifest(client, seq))) {
    const { parent, name } = change.kind === 'removed' ? change : change.entry;
    out.push({ ...change, path: parent === '' ? name : `${parent}/${name}` });
  }
  return out;
}

/** The content hash of one file in a snapshot. */
export async function fileSha(store: HardlinkStore, client: string, seq: number, path: string): Promise<string> {
  for await (const entry of store.readManifest(client, seq)) if (entry.path === path && entry.sha256 !== undefined) return entry.sha256;
  throw new Error(`no file ${path} in snapshot ${seq} of ${client}`);
}
