import { FailureCode, type JobFailure } from '@backtrac/queue';
import { AgentUnavailableError, PreCommandFailedError } from '../agent/agent-hooks.service.js';
import { BackupFailedError } from '../engine/index.js';
import { ClientBusyError, RunFailedPermanentlyError, RunInterruptedError } from './backup-run.service.js';
import { ShareConnectError } from './share-connector.repository.js';

/**
 * What BullMQ should do with a backup that threw:
 * - wait: not an attempt at all (the client is busy, or this worker is stopping);
 * - give-up: retrying cannot help now (wrong password, a pre command failed, the agent is away);
 * - retry: transient, BullMQ retries with backoff.
 * The failure's code goes onto the job; the scheduler retries AGENT_OFFLINE and SHARE_UNREACHABLE
 * later within the backup window.
 */
export type QueueOutcome = { action: 'wait'; delayMs: number } | { action: 'give-up' | 'retry'; failure: JobFailure };

export const CLIENT_BUSY_DELAY_MS = 5_000;

export function queueOutcome(error: unknown): QueueOutcome {
  if (error instanceof ClientBusyError) return { action: 'wait', delayMs: CLIENT_BUSY_DELAY_MS };
  if (error instanceof RunInterruptedError) return { action: 'wait', delayMs: 0 };
  const message = error instanceof Error ? error.message : String(error);
  const fail = (action: 'give-up' | 'retry', code: FailureCode): QueueOutcome => ({ action, failure: { code, message } });
  if (error instanceof AgentUnavailableError) return fail('give-up', FailureCode.AgentOffline);
  if (error instanceof RunFailedPermanentlyError || error instanceof PreCommandFailedError) return fail('give-up', FailureCode.Permanent);
  if (error instanceof ShareConnectError) return error.retryable ? fail('retry', FailureCode.ShareUnreachable) : fail('give-up', FailureCode.Permanent);
  if (error instanceof BackupFailedError && error.code === 'SOURCE_UNREACHABLE') return fail('retry', FailureCode.ShareUnreachable);
  return fail('retry', FailureCode.Unexpected);
}
