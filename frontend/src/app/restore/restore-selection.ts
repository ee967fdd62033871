import { computed, signal } from '@angular/core';
import { EntryDto as Entry } from '../api/models/entry-dto';

/** One picked path of the snapshot; type and size are null when it came from a link (not listed yet). */
export interface PickedEntry {
  path: string;
  type: Entry['type'] | null;
  size: number | null;
}

export interface SelectionTotals {
  /** Picked files and symlinks. */
  files: number;
  /** Their bytes. */
  bytes: number;
  /** Picked folders and paths of unknown type: their contents are counted when the restore starts. */
  folders: number;
}

const isInside = (path: string, folder: string) => path.startsWith(`${folder}/`);

/**
 * The paths picked in a snapshot's tree. A picked folder stands for everything under it, so
 * picking a folder drops the paths already picked inside it, and those show as covered.
 */
export class RestoreSelection {
  private readonly _picked = signal<ReadonlyMap<string, PickedEntry>>(new Map());

  /** Sorted, the way the API receives them. */
  readonly paths = computed(() => [...this._picked().keys()].sort());
  readonly entries = computed(() => [...this._picked().values()]);
  readonly empty = computed(() => this._picked().size === 0);
  readonly totals = computed<SelectionTotals>(() => {
    const totals = { files: 0, bytes: 0, folders: 0 };
    for (const entry of this._picked().values()) {
      if (entry.type === 'file' || entry.type === 'symlink') {
        totals.files++;
        totals.bytes += entry.type === 'file' ? (entry.size ?? 0) : 0;
      } else totals.folders++;
    }
    return totals;
  });

  isPicked(path: string): boolean {
    return this._picked().has(path);
  }

  /** The picked folder that already includes `path`, or null. */
  coveredBy(path: string): string | null {
    for (const picked of this._picked().keys()) if (isInside(path, picked)) return picked;
    return null;
  }

  /** How many picked paths lie under `folder` (shown as a partly picked folder). */
  pickedInside(folder: string): number {
    let count = 0;
    for (const picked of this._picked().keys()) if (isInside(picked, folder)) count++;
    return count;
  }

  toggle(entry: PickedEntry): void {
    if (this.coveredBy(entry.path) !== null) return;
    this._picked.update((current) => {
      const next = new Map(current);
      if (next.has(entry.path)) next.delete(entry.path);
      else {
        for (const path of current.keys()) if (isInside(path, entry.path)) next.delete(path);
        next.set(entry.path, entry);
      }
      return next;
    });
  }

  /** Replaces the selection; paths inside another given path are dropped (the folder covers them). */
  reset(entries: readonly PickedEntry[]): void {
    const next = new Map<string, PickedEntry>();
    for (const entry of entries) if (!entries.some((other) => isInside(entry.path, other.path))) next.set(entry.path, entry);
    this._picked.set(next);
  }
}
