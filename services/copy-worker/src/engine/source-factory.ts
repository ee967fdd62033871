import { connect, type SmbConnectOptions } from '@backtrac/smb';
import { SourceError, type BackupSource } from './backup-source.js';
import { LocalDirectorySource } from './local-directory.source.js';
import { SmbShareSource } from './smb-share.source.js';

export interface SourceCredentials {
  username?: string;
  password?: string;
  domain?: string;
}

/**
 * Opens the source a share URL names: `smb://[user@]host[:port]/share[/path]` through
 * @backtrac/smb, `file:///mounted/path` as a local directory. Login and connection failures
 * come back as fatal SourceErrors, so the run fails with the reason.
 */
export async function openBackupSource(url: string, credentials: SourceCredentials = {}, smbOptions: SmbConnectOptions = {}): Promise<BackupSource> {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'file') return new LocalDirectorySource(new URL(url));
  if (scheme !== 'smb') throw new SourceError('unreachable', `unsupported share URL scheme in ${url}`);
  try {
    const session = await connect(
      url,
      { password: credentials.password ?? '', ...(credentials.username ? { username: credentials.username } : {}), ...(credentials.domain ? { domain: credentials.domain } : {}) },
      smbOptions,
    );
    return new SmbShareSource(session);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
    const kind = code === 'STATUS_LOGON_FAILURE' || code === 'STATUS_ACCOUNT_DISABLED' || code === 'STATUS_PASSWORD_EXPIRED' ? 'auth-failed' : 'unreachable';
    throw new SourceError(kind, `cannot connect to ${url.replace(/\/\/[^@/]*@/, '//')}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
