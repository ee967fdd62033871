import { opendir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import watcher, { type AsyncSubscription } from '@parcel/watcher';
import type { ChangeJournal } from './change-journal.js';

export interface WatchedShare {
  name: string;
  localPath: string;
}

/** Entries listed under one newly created directory before giving up (the directory stays reported). */
const NEW_DIR_SCAN_LIMIT = 10_000;

/**
 * Watches each share's local directory with @parcel/watcher (inotify, FSEvents, ReadDirectoryChangesW)
 * and feeds changed paths, relative and with forward slashes, into the journal. A watcher error
 * (event overflow, directory gone) opens a gap in the journal.
 *
 * Files written into a brand-new directory before the watcher has added its watch produce no
 * events (inotify), so a created directory is listed and its contents reported as well.
 */
export class ShareWatcher {
  private readonly subscriptions = new Map<string, { localPath: string; sub: AsyncSubscription }>();

  constructor(
    private readonly journal: ChangeJournal,
    private readonly log: (level: string, msg: string, extra?: Record<string, unknown>) => void,
  ) {}

  watched(): string[] {
    return [...this.subscriptions.keys()];
  }

  /** Watches exactly these shares; returns how many watches were newly started. */
  async apply(shares: readonly WatchedShare[]): Promise<number> {
    let started = 0;
    const wanted = new Map(shares.filter((s) => s.localPath !== '').map((s) => [s.name, s.localPath]));
    for (const [name, current] of this.subscriptions) {
      if (wanted.get(name) !== current.localPath) {
        await current.sub.unsubscribe();
        this.subscriptions.delete(name);
      }
    }
    for (const [name, localPath] of wanted) {
      if (this.subscriptions.has(name)) continue;
      try {
        const sub = await watcher.subscribe(localPath, (error, events) => {
          if (error) {
            this.log('warn', 'watcher error; journal has a gap', { share: name, error: error.message });
            this.journal.gap();
            return;
          }
          for (const event of events) {
            const rel = this.relativeTo(localPath, event.path);
            if (rel === null) continue;
            this.journal.add(name, rel);
            if (event.type === 'create') void this.reportNewDirectory(name, localPath, event.path);
          }
        });
        this.subscriptions.set(name, { localPath, sub });
        started += 1;
        this.log('info', 'watching share', { share: name, localPath });
      } catch (error) {
        this.log('warn', 'cannot watch share', { share: name, localPath, error: (error as Error).message });
      }
    }
    return started;
  }

  private relativeTo(root: string, path: string): string | null {
    const rel = relative(root, path);
    if (rel === '' || rel.startsWith('..')) return null;
    return sep === '/' ? rel : rel.split(sep).join('/');
  }

  /** Lists a just-created directory (not a file: opendir fails) and reports what is inside. */
  private async reportNewDirectory(share: string, root: string, dir: string): Promise<void> {
    const stack = [dir];
    let listed = 0;
    while (stack.length > 0 && listed < NEW_DIR_SCAN_LIMIT) {
      const current = stack.pop() as string;
      try {
        for await (const entry of await opendir(current)) {
          const full = join(current, entry.name);
          const rel = this.relativeTo(root, full);
          if (rel !== null) this.journal.add(share, rel);
          if (entry.isDirectory()) stack.push(full);
          if (++listed >= NEW_DIR_SCAN_LIMIT) break;
        }
      } catch {
        // not a directory, or already gone: the event itself was reported
      }
    }
  }

  async close(): Promise<void> {
    for (const { sub } of this.subscriptions.values()) await sub.unsubscribe();
    this.subscriptions.clear();
  }
}
