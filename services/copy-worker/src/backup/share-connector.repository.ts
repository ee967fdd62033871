import { Inject, Injectable } from '@nestjs/common';
import { realpath, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Share, ShareRepository } from '@backtrac/catalog';
import { isUnderFileShareRoot } from '@backtrac/config';
import { COPY_WORKER_OPTIONS, type CopyWorkerOptions } from './copy-worker.tokens.js';
import { parseSmbUrl } from '@backtrac/smb';
import { openBackupSource, SourceError } from '../engine/index.js';
import type { ShareMount } from './share-set.source.js';

/** A share could not be opened at all; `retryable` is false for wrong credentials. */
export class ShareConnectError extends Error {
  override name = 'ShareConnectError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const causeCode = (error: SourceError): string => {
  const cause = error.cause as { code?: unknown } | undefined;
  return typeof cause?.code === 'string' ? cause.code : error.kind;
};

/** Opens the client's shares (SMB or mounted directories) as backup sources. */
@Injectable()
export class ShareConnectorRepository {
  constructor(
    private readonly shares: ShareRepository,
    @Inject(COPY_WORKER_OPTIONS) private readonly options: Pick<CopyWorkerOptions, 'fileShareRoots'>,
  ) {}

  async open(share: Share): Promise<ShareMount> {
    const base = { name: share.name, excludes: share.excludes, mtime: share.updatedAt.getTime() };
    const url = new URL(share.url);
    if (url.protocol === 'file:') {
      const path = fileURLToPath(url);
      const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
        throw new ShareConnectError(`share ${share.name}: ${path} cannot be read (${error.code ?? error.message})`, true);
      });
      if (!info.isDirectory()) throw new ShareConnectError(`share ${share.name}: ${path} is not a directory`, false);
      await this.checkFileShareRoot(share.name, path);
      return { ...base, source: await openBackupSource(share.url), root: [] };
    }
    // The session opens the share itself; a sub-directory in the URL becomes the mount's root.
    const parsed = parseSmbUrl(share.url);
    const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
    const user = share.username || 'guest';
    try {
      const source = await openBackupSource(`smb://${host}:${parsed.port}/${encodeURIComponent(parsed.share)}`, {
        username: user,
        password: this.shares.openPassword(share) ?? '',
        domain: share.domain || undefined,
      });
      return { ...base, source, root: parsed.path ? parsed.path.split('/') : [] };
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      const refused = error.kind === 'auth-failed';
      const what = refused ? `logon as ${user} refused` : error.message;
      throw new ShareConnectError(`share ${share.name} (${share.url}): ${what} [${causeCode(error)}]`, !refused);
    }
  }

  /**
   * The api checked the URL when the share was saved; this checks the real path at backup time,
   * so a symlink, a share saved before FILE_SHARE_ROOTS existed, or a root removed since, reads
   * nothing outside the listed directories.
   */
  private async checkFileShareRoot(shareName: string, path: string): Promise<void> {
    const real = await realpath(path);
    const roots = await Promise.all(this.options.fileShareRoots.map((root) => realpath(root).catch(() => root)));
    if (!isUnderFileShareRoot(real, roots)) {
      const allowed = roots.length > 0 ? roots.join(', ') : 'none configured';
      throw new ShareConnectError(`share ${shareName}: ${real} is not under a directory listed in FILE_SHARE_ROOTS (${allowed}); file:// shares read only there`, false);
    }
  }
}
