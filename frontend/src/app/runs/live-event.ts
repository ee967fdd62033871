import { RunLogEventDto, RunProgressEventDto, RunStateEventDto } from '../api/models';

/** The live events the api relays from the copy workers (GET /api/events, server-sent events). */
export type LiveEvent = RunProgressEventDto | RunLogEventDto | RunStateEventDto;
export type RunProgressEvent = RunProgressEventDto;

export const LIVE_EVENT_TYPES: readonly LiveEvent['type'][] = ['run.progress', 'run.log', 'run.state'];
