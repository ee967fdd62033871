import { Injectable } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Share, ShareRepository } from '@backtrac/catalog';
import { connect, parseSmbUrl, SmbError } from '@backtrac/smb';
import { LocalDirectorySource, SmbShareSource } from '../engine/index.js';
import type { ShareMount } from './share-set.source.js';

const AUTH_FAILURES = new Set(['STATUS_LOGON_FAILURE', 'STATUS_ACCOUNT_DISABLED', 'STATUS_PASSWORD_EXPIRED', 'STATUS_ACCOUNT_LOCKED_OUT', 'STATUS_ACCESS_DENIED']);

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

/** Opens the client's shares (SMB or mounted directories) as backup sources. */
@Injectable()
export class ShareConnectorRepository {
  constructor(private readonly shares: ShareRepository) {}

  async open(share: Share): Promise<ShareMount> {
    const url = new URL(share.url);
    const base = { name: share.name, excludes: share.excludes, mtime: share.updatedAt.getTime() };
    if (url.protocol === 'file:') {
      const path = fileURLToPath(url);
      const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
        throw new ShareConnectError(`share ${share.name}: ${path} cannot be read (${error.code ?? error.message})`, true);
      });
      if (!info.isDirectory()) throw new ShareConnectError(`share ${share.name}: ${path} is not a directory`, false);
      return { ...base, source: new LocalDirectorySource(path), root: [] };
    }
    const parsed = parseSmbUrl(share.url);
    const shareUrl = `smb://${parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host}:${parsed.port}/${encodeURIComponent(parsed.share)}`;
    try {
      const session = await connect(
        shareUrl,
        { username: share.username || 'guest', password: this.shares.openPassword(share) ?? '', domain: share.domain || undefined },
      );
      return { ...base, source: new SmbShareSource(session), root: parsed.path ? parsed.path.split('/') : [] };
    } catch (error) {
      if (error instanceof SmbError) {
        const wrongCredentials = AUTH_FAILURES.has(error.code);
        const what = wrongCredentials ? `logon as ${share.username || 'guest'} refused` : error.message;
        throw new ShareConnectError(`share ${share.name} (${share.url}): ${what} [${error.code}]`, !wrongCredentials);
      }
      throw error;
    }
  }
}
