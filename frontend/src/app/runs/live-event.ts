/** The live events the api relays from the copy workers (GET /api/events, server-sent events). */
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

/** A restore's progress: files and bytes done against the totals of what is restored. */
export interface RestoreProgressEvent extends Omit<RunProgressEvent, 'type' | 'runId'> {
  type: 'restore.progress';
  restoreId: string;
}

export interface RestoreLogEvent extends Omit<RunLogEvent, 'type' | 'runId'> {
  type: 'restore.log';
  restoreId: string;
}

export interface RestoreStateEvent extends Omit<RunStateEvent, 'type' | 'runId'> {
  type: 'restore.state';
  restoreId: string;
}

export type RestoreEvent = RestoreProgressEvent | RestoreLogEvent | RestoreStateEvent;
export type LiveEvent = RunProgressEvent | RunLogEvent | RunStateEvent | RestoreEvent;

export const LIVE_EVENT_TYPES: readonly LiveEvent['type'][] = ['run.progress', 'run.log', 'run.state', 'restore.progress', 'restore.log', 'restore.state'];
