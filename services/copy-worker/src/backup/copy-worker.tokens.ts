export const STORE = Symbol('STORE');
export const COPY_WORKER_OPTIONS = Symbol('COPY_WORKER_OPTIONS');

export interface CopyWorkerOptions {
  concurrency: number;
  filesInFlight: number;
  redisPrefix: string;
  /** How long a job's and a client's lock outlive a worker that died without releasing them. */
  lockSeconds: number;
  /** FILE_SHARE_ROOTS: a file:// share is read only when its real path lies under one of these. */
  fileShareRoots: readonly string[];
}
