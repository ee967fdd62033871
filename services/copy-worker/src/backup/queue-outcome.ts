import { AgentUnavailableError, PreCommandFailedError } from '../agent/agent-hooks.service.js';
import { BackupFailedError } from '../engine/index.js';
import { ClientBusyError, RunFailedPermanentlyError, RunInterruptedError } from './backup-run.service.js';
import { ShareConnectError } from './share-connector.repository.js';

/**
 * What BullMQ should do with a backup that threw:
 * - wait: not an attempt at all (the client is busy, or this worker is stopping);
 * - give-up: retrying cannot help (wrong password, a pre command failed);
 * - retry: transient, BullMQ retries with backoff.
 * The reason of a failure the scheduler may retry later within the backup window starts with a
 * stable code (AGENT_OFFLINE, SHARE_UNREACHABLE), which is how its tick recognises such jobs.
 */
export type QueueOutcome = { action: 'wait'; delayMs: number } | { action: 'give-up' | 'retry'; reason: string };

export const CLIENT_BUSY_DELAY_MS = 5_000;

export function queueOutcome(error: unknown): QueueOutcome {
  if (error instanceof ClientBusyError) return { action: 'wait', delayMs: CLIENT_BUSY_DELAY_MS };
  if (error instanceof RunInterruptedError) return { action: 'wait', delayMs: 0 };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof AgentUnavailableError) return { action: 'give-up', reason: `AGENT_OFFLINE: ${message}` };
  if (error instanceof RunFailedPermanentlyError || error instanceof PreCommandFailedError) return { action: 'give-up', reason: message };
  if (error instanceof ShareConnectError) return error.retryable ? { action: 'retry', reason: `SHARE_UNREACHABLE: ${message}` } : { action: 'give-up', reason: message };
  if (error instanceof BackupFailedError && error.code === 'SOURCE_UNREACHABLE') return { action: 'retry', reason: `SHARE_UNREACHABLE: ${message}` };
  return { action: 'retry', reason: message };
}
