import { UnrecoverableError } from 'bullmq';

/** Why a job failed, as the services that react to failures (scheduler, alerts) need to know it. */
export enum FailureCode {
  /** The client's agent did not answer; the scheduler tries again later in the window. */
  AgentOffline = 'AGENT_OFFLINE',
  /** The share could not be reached; BullMQ retries with backoff, then the scheduler in the window. */
  ShareUnreachable = 'SHARE_UNREACHABLE',
  /** Retrying cannot help: wrong password, client deleted, a pre-backup command failed. */
  Permanent = 'PERMANENT',
  /** Anything else, including failures BullMQ itself records (a job stalled too often). */
  Unexpected = 'UNEXPECTED',
}

/** Failures the scheduler retries within the backup window once BullMQ's attempts are spent. */
export const RETRIED_BY_SCHEDULER: readonly FailureCode[] = [FailureCode.AgentOffline, FailureCode.ShareUnreachable];

export interface JobFailure {
  code: FailureCode;
  message: string;
}

const codes = new Set<string>(Object.values(FailureCode));

/**
 * The error a worker throws so the failure is stored on the job as data: BullMQ keeps only the
 * message (`failedReason`), so the message is the failure as JSON. `retry` false gives up at once.
 */
export function jobFailureError(failure: JobFailure, options: { retry: boolean }): Error {
  const reason = JSON.stringify({ code: failure.code, message: failure.message } satisfies JobFailure);
  return options.retry ? new Error(reason) : new UnrecoverableError(reason);
}

/** The failure stored on a job (its `failedReason`, as a job or a QueueEvents `failed` event gives it). */
export function readJobFailure(failedReason: string | null | undefined): JobFailure {
  const reason = failedReason ?? '';
  try {
    const parsed: unknown = JSON.parse(reason);
    if (typeof parsed === 'object' && parsed !== null && 'code' in parsed && 'message' in parsed) {
      const { code, message } = parsed;
      if (typeof code === 'string' && codes.has(code) && typeof message === 'string') return { code: code as FailureCode, message };
    }
  } catch {
    // Not written by jobFailureError: BullMQ's own reason, or a worker that threw a plain error.
  }
  return { code: FailureCode.Unexpected, message: reason };
}
