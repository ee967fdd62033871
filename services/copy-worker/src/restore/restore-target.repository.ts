import { Injectable } from '@nestjs/common';
import { type Share, ShareRepository } from '@backtrac/catalog';
import { connect, parseSmbUrl, SmbError, type SmbSession } from '@backtrac/smb';

/** A share a restore writes into: its SMB sessions and the folder of the share URL it starts at. */
export interface RestoreTarget {
  share: Share;
  /** Several connections: smbd serves each in its own process, so small files go out in parallel. */
  sessions: SmbSession[];
  /** Sub-directory named by the share URL ([] for the share's root). */
  root: string[];
}

/** The destination share could not be opened; `retryable` is false for refused logons and bad URLs. */
export class RestoreTargetError extends Error {
  override name = 'RestoreTargetError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const LOGON_REFUSED = new Set(['STATUS_LOGON_FAILURE', 'STATUS_ACCOUNT_DISABLED', 'STATUS_PASSWORD_EXPIRED', 'STATUS_ACCOUNT_LOCKED_OUT', 'STATUS_ACCESS_DENIED', 'STATUS_BAD_NETWORK_NAME']);

/** Opens destination shares over SMB with the credentials stored for them. */
@Injectable()
export class RestoreTargetRepository {
  constructor(private readonly shares: ShareRepository) {}

  async open(share: Share, connections: number): Promise<RestoreTarget> {
    let parsed;
    try {
      parsed = parseSmbUrl(share.url);
    } catch (error) {
      throw new RestoreTargetError(`share ${share.name}: restores are written over SMB, and ${share.url} is not an smb:// URL`, false, { cause: error });
    }
    const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
    const user = share.username || 'guest';
    const url = `smb://${host}:${parsed.port}/${encodeURIComponent(parsed.share)}`;
    const credentials = { username: user, password: this.shares.openPassword(share) ?? '', ...(share.domain ? { domain: share.domain } : {}) };
    const sessions: SmbSession[] = [];
    try {
      // The first alone, so a refused logon is one failed attempt rather than several.
      sessions.push(await connect(url, credentials));
      sessions.push(...(await Promise.all(Array.from({ length: Math.max(0, connections - 1) }, () => connect(url, credentials)))));
      return { share, sessions, root: parsed.path ? parsed.path.split('/').filter(Boolean) : [] };
    } catch (error) {
      await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
      const code = error instanceof SmbError ? error.code : '';
      const refused = LOGON_REFUSED.has(code);
      const what = code === 'STATUS_BAD_NETWORK_NAME' ? `no share named ${parsed.share} on ${parsed.host}` : refused ? `logon as ${user} refused` : error instanceof Error ? error.message : String(error);
      throw new RestoreTargetError(`destination share ${share.name} (${share.url}): ${what}${code ? ` [${code}]` : ''}`, !refused, { cause: error });
    }
  }
}
