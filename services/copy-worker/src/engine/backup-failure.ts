import { StoreError } from '@backtrac/store';
import { SourceError } from './backup-source.js';

export type BackupFailureCode = 'SOURCE_UNREACHABLE' | 'AUTH_FAILED' | 'ABORTED' | 'STORE_FAILED';

export class BackupFailedError extends Error {
  readonly code: BackupFailureCode;

  constructor(code: BackupFailureCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupFailedError';
    this.code = code;
  }
}

export function abortedFailure(options?: { cause?: unknown }): BackupFailedError {
  return new BackupFailedError('ABORTED', 'backup aborted', options);
}

/** A source error that ends the run: a wrong password, or a share that cannot be reached. */
export function sourceFailure(error: SourceError, message: string, cause: unknown): BackupFailedError {
  return new BackupFailedError(error.kind === 'auth-failed' ? 'AUTH_FAILED' : 'SOURCE_UNREACHABLE', message, { cause });
}

/** What any error that ends a run is reported as; `aborted` says whether the run was told to stop. */
export function toBackupFailure(err: unknown, aborted: boolean): BackupFailedError {
  if (err instanceof BackupFailedError) return err;
  if (aborted || (err instanceof StoreError && err.code === 'ABORTED')) return abortedFailure({ cause: err });
  if (err instanceof SourceError && err.fatal) return sourceFailure(err, err.message, err);
  return new BackupFailedError('STORE_FAILED', `backup failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
