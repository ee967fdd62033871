import {
  RestoreLogEventDto,
  RestoreProgressEventDto,
  RestoreStateEventDto,
  RunLogEventDto,
  RunProgressEventDto,
  RunStateEventDto,
} from '../api/models';

/** The live events the api relays from the copy workers (GET /api/events, server-sent events). */
export type RunProgressEvent = RunProgressEventDto;
export type RestoreProgressEvent = RestoreProgressEventDto;
export type RestoreEvent = RestoreProgressEventDto | RestoreLogEventDto | RestoreStateEventDto;
export type LiveEvent = RunProgressEventDto | RunLogEventDto | RunStateEventDto | RestoreEvent;

export const LIVE_EVENT_TYPES: readonly LiveEvent['type'][] = ['run.progress', 'run.log', 'run.state', 'restore.progress', 'restore.log', 'restore.state'];
