/** Live events published while jobs run; the api relays them to the console over SSE. */
export interface RunProgressEvent {
  type: 'run.progress';
  runId: string;
  clientId: string;
  filesDone: number;
  filesTotal: number | null;
  bytesDone: number;
  bytesTotal: number | null;
  currentPath: string | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

export interface RunLogEvent {
  type: 'run.log';
  runId: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  path: string | null;
  at: string;
}

export interface RunStateEvent {
  type: 'run.state';
  runId: string;
  clientId: string;
  state: 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled';
  error: string | null;
}

/** A restore's progress: files and bytes done against the snapshot's totals for what is restored. */
export interface RestoreProgressEvent {
  type: 'restore.progress';
  restoreId: string;
  clientId: string;
  filesDone: number;
  filesTotal: number | null;
  bytesDone: number;
  bytesTotal: number | null;
  currentPath: string | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

export interface RestoreLogEvent {
  type: 'restore.log';
  restoreId: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  path: string | null;
  at: string;
}

export interface RestoreStateEvent {
  type: 'restore.state';
  restoreId: string;
  clientId: string;
  state: 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled';
  error: string | null;
}

export type RunEvent = RunProgressEvent | RunLogEvent | RunStateEvent;
export type RestoreEvent = RestoreProgressEvent | RestoreLogEvent | RestoreStateEvent;
export type LiveEvent = RunEvent | RestoreEvent;

/** The Redis pub/sub channel live events go to, under the deployment's key prefix. */
export const liveEventsChannel = (prefix: string): string => `${prefix}:events`;
