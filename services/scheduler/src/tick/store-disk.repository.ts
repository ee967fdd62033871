import { statfs } from 'node:fs/promises';
import type { StatFsNumbers } from '../health/disk-guard.js';
import type { StoreDisk } from './scheduler.ports.js';

/** statfs of the store volume, for the disk guard. */
export class StoreDiskRepository implements StoreDisk {
  constructor(private readonly storePath: string) {}

  async statfs(): Promise<StatFsNumbers> {
    const s = await statfs(this.storePath);
    return { bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree };
  }
}
