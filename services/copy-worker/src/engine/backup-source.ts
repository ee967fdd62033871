export type SourceEntryType = 'file' | 'directory' | 'symlink';

/** One directory entry as the source reports it. Devices, sockets and FIFOs are left out. */
export interface SourceEntry {
  /** The exact name (any characters the source allows; stored escaped when Linux cannot hold it). */
  name: string;
  type: SourceEntryType;
  /** Bytes (files); 0 for directories. */
  size: number;
  /** Modification time, milliseconds since the epoch. */
  mtime: number;
  /** Permission bits when the source knows them. */
  mode?: number;
  /** Target of a symlink, read but never followed. */
  symlinkTarget?: string;
}

/**
 * What the backup engine reads from: a share (SMB) or a mounted directory (file://). Paths are
 * name components relative to the share root, so a name is never re-parsed as a path.
 */
export interface BackupSource {
  /** Entries of one directory, in any order. [] is the share root. */
  list(dir: readonly string[], signal?: AbortSignal): Promise<SourceEntry[]>;
  /** The contents of one file, streamed. Errors while iterating are per-file (or fatal, see below). */
  createReadStream(path: readonly string[], signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  stat(path: readonly string[]): Promise<SourceEntry>;
  /**
   * True when the source knows nothing at or below `dir` changed since the previous snapshot
   * (a change journal says so): the engine then takes the previous snapshot's folder over whole.
   */
  isUnchangedSubtree?(dir: readonly string[]): boolean;
  close?(): Promise<void>;
}

export type SourceErrorKind = 'not-found' | 'access-denied' | 'locked' | 'unreachable' | 'auth-failed' | 'io';

/**
 * A source's error. `fatal` ones (the share is gone, the login failed) end the whole backup;
 * the others only skip the entry, and the run ends "partial".
 */
export class SourceError extends Error {
  readonly kind: SourceErrorKind;
  readonly fatal: boolean;

  constructor(kind: SourceErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceError';
    this.kind = kind;
    this.fatal = kind === 'unreachable' || kind === 'auth-failed';
  }
}

const PER_FILE: Record<string, SourceErrorKind> = {
  ENOENT: 'not-found',
  ENOTDIR: 'not-found',
  EACCES: 'access-denied',
  EPERM: 'access-denied',
  EBUSY: 'locked',
  ETXTBSY: 'locked',
  EIO: 'io',
  ELOOP: 'io',
  EISDIR: 'io',
  STATUS_OBJECT_NAME_NOT_FOUND: 'not-found',
  STATUS_OBJECT_PATH_NOT_FOUND: 'not-found',
  STATUS_NO_SUCH_FILE: 'not-found',
  STATUS_DELETE_PENDING: 'not-found',
  STATUS_FILE_DELETED: 'not-found',
  STATUS_ACCESS_DENIED: 'access-denied',
  STATUS_SHARING_VIOLATION: 'locked',
  STATUS_FILE_LOCK_CONFLICT: 'locked',
  STATUS_LOCK_NOT_GRANTED: 'locked',
  STATUS_FILE_IS_A_DIRECTORY: 'io',
  STATUS_NOT_A_DIRECTORY: 'not-found',
  STATUS_STOPPED_ON_SYMLINK: 'io',
  STATUS_END_OF_FILE: 'io',
};

const FATAL: Record<string, SourceErrorKind> = {
  ECONNRESET: 'unreachable',
  ECONNREFUSED: 'unreachable',
  ECONNABORTED: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EPIPE: 'unreachable',
  ENOTCONN: 'unreachable',
  EPROTO: 'unreachable',
  STATUS_LOGON_FAILURE: 'auth-failed',
  STATUS_ACCOUNT_DISABLED: 'auth-failed',
  STATUS_PASSWORD_EXPIRED: 'auth-failed',
  STATUS_BAD_NETWORK_NAME: 'unreachable',
  STATUS_NETWORK_NAME_DELETED: 'unreachable',
  STATUS_USER_SESSION_DELETED: 'unreachable',
  STATUS_NETWORK_SESSION_EXPIRED: 'unreachable',
  STATUS_CONNECTION_DISCONNECTED: 'unreachable',
  STATUS_CONNECTION_RESET: 'unreachable',
};

/** Maps any error a source throws to a SourceError; unknown errors skip the entry. */
export function toSourceError(err: unknown): SourceError {
  if (err instanceof SourceError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
  const message = err instanceof Error ? err.message : String(err);
  const kind = FATAL[code] ?? PER_FILE[code] ?? 'io';
  return new SourceError(kind, message, { cause: err });
}
