import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { FailureCode, jobFailureError, readJobFailure } from './failure-codes.js';

describe('failure codes on jobs', () => {
  it('round-trips a failure through the error a worker throws', () => {
    const error = jobFailureError({ code: FailureCode.ShareUnreachable, message: 'connect ECONNREFUSED 10.0.0.5:445' }, { retry: true });
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect(readJobFailure(error.message)).toEqual({ code: FailureCode.ShareUnreachable, message: 'connect ECONNREFUSED 10.0.0.5:445' });
    const final = jobFailureError({ code: FailureCode.Permanent, message: 'logon as bob refused' }, { retry: false });
    expect(final).toBeInstanceOf(UnrecoverableError);
    expect(readJobFailure(final.message).code).toBe(FailureCode.Permanent);
  });

  it('reads a reason it did not write as unexpected, keeping the text', () => {
    expect(readJobFailure('job stalled more than allowable limit')).toEqual({ code: FailureCode.Unexpected, message: 'job stalled more than allowable limit' });
    // A message that merely starts like a code is not one.
    expect(readJobFailure('SHARE_UNREACHABLE: smb://ws/docs').code).toBe(FailureCode.Unexpected);
    expect(readJobFailure('{"code":"NOT_A_CODE","message":"x"}').code).toBe(FailureCode.Unexpected);
    expect(readJobFailure(undefined)).toEqual({ code: FailureCode.Unexpected, message: '' });
  });
});
