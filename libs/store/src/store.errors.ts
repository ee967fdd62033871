export type StoreErrorCode =
  | 'NOT_A_STORE'
  | 'FORMAT_UNSUPPORTED'
  | 'SNAPSHOT_EXISTS'
  | 'SNAPSHOT_NOT_FOUND'
  | 'ENTRY_NOT_FOUND'
  | 'RESTORE_VERIFY_FAILED'
  | 'UNSAFE_RESTORE_PATH'
  | 'ABORTED';

/** Domain error of the store with a stable code the transports can map. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
