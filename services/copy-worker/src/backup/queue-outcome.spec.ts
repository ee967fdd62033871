import { FailureCode } from '@backtrac/queue';
import { describe, expect, it } from 'vitest';
import { AgentUnavailableError, PreCommandFailedError } from '../agent/agent-hooks.service.js';
import { BackupFailedError } from '../engine/index.js';
import { ClientBusyError, RunFailedPermanentlyError, RunInterruptedError } from './backup-run.service.js';
import { CLIENT_BUSY_DELAY_MS, queueOutcome } from './queue-outcome.js';
import { ShareConnectError } from './share-connector.repository.js';

describe('queueOutcome', () => {
  it('waits without spending an attempt when the client is busy or the worker stops', () => {
    expect(queueOutcome(new ClientBusyError('busy'))).toEqual({ action: 'wait', delayMs: CLIENT_BUSY_DELAY_MS });
    expect(queueOutcome(new RunInterruptedError('stopping'))).toEqual({ action: 'wait', delayMs: 0 });
  });

  it('gives up on what retrying cannot fix, marking an offline agent for the scheduler', () => {
    expect(queueOutcome(new ShareConnectError('logon as bob refused', false))).toEqual({ action: 'give-up', failure: { code: FailureCode.Permanent, message: 'logon as bob refused' } });
    expect(queueOutcome(new PreCommandFailedError('pg_dump exited 1'))).toEqual({ action: 'give-up', failure: { code: FailureCode.Permanent, message: 'pg_dump exited 1' } });
    expect(queueOutcome(new RunFailedPermanentlyError('the client was deleted'))).toEqual({ action: 'give-up', failure: { code: FailureCode.Permanent, message: 'the client was deleted' } });
    expect(queueOutcome(new AgentUnavailableError('agent is offline'))).toEqual({ action: 'give-up', failure: { code: FailureCode.AgentOffline, message: 'agent is offline' } });
  });

  it('retries transient faults, marking an unreachable share for the scheduler', () => {
    expect(queueOutcome(new ShareConnectError('ECONNREFUSED', true))).toEqual({ action: 'retry', failure: { code: FailureCode.ShareUnreachable, message: 'ECONNREFUSED' } });
    expect(queueOutcome(new BackupFailedError('SOURCE_UNREACHABLE', 'connection reset'))).toEqual({ action: 'retry', failure: { code: FailureCode.ShareUnreachable, message: 'connection reset' } });
    expect(queueOutcome(new Error('disk hiccup'))).toEqual({ action: 'retry', failure: { code: FailureCode.Unexpected, message: 'disk hiccup' } });
  });
});
