import { relative, sep } from 'node:path';
import watcher, { type AsyncSubscription } from '@parcel/watcher';
import type { ChangeJournal } from './change-journal.js';

export interface WatchedShare {
  name: string;
  localPath: string;
}

/**
 * Watches each share's local directory with @parcel/watcher (inotify, FSEvents, ReadDirectoryChangesW)
 * and feeds changed paths, relative and with forward slashes, into the journal. A watcher error
 * (event overflow, directory gone) opens a gap in the journal.
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
            const rel = relative(localPath, event.path);
            if (rel === '' || rel.startsWith('..')) continue;
            this.journal.add(name, sep === '/' ? rel : rel.split(sep).join('/'));
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

  async close(): Promise<void> {
    for (const { sub } of this.subscriptions.values()) await sub.unsubscribe();
    this.subscriptions.clear();
  }
}
