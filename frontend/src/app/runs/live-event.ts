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

export type LiveEvent = RunProgressEvent | RunLogEvent | RunStateEvent;

export const LIVE_EVENT_TYPES: readonly LiveEvent['type'][] = ['run.progress', 'run.log', 'run.state'];
