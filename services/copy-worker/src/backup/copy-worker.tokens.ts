export const STORE = Symbol('STORE');
export const COPY_WORKER_OPTIONS = Symbol('COPY_WORKER_OPTIONS');

export interface CopyWorkerOptions {
  concurrency: number;
  filesInFlight: number;
  redisPrefix: string;
}
