import { AgentFault, XmlRpcError } from '@backtrac/xmlrpc';

export class AuthRequiredError extends XmlRpcError {
  readonly faultCode = AgentFault.AUTH_REQUIRED;
  readonly code = 'AUTH_REQUIRED';
  constructor() {
    super('this method needs HTTP Basic auth with the agent id and secret');
  }
}

export class AuthFailedError extends XmlRpcError {
  readonly faultCode = AgentFault.AUTH_FAILED;
  readonly code = 'AUTH_FAILED';
  constructor() {
    super('unknown agent or wrong secret');
  }
}

export class RateLimitedError extends XmlRpcError {
  readonly faultCode = AgentFault.RATE_LIMITED;
  readonly code = 'RATE_LIMITED';
  constructor(
    readonly retryAfterSeconds: number,
    what = 'too many failed attempts',
  ) {
    super(`${what}; retry in ${retryAfterSeconds} s`);
  }
}

export class AgentPendingError extends XmlRpcError {
  readonly faultCode = AgentFault.AGENT_PENDING;
  readonly code = 'AGENT_PENDING';
  constructor() {
    super('this agent waits for an administrator to approve it');
  }
}

export class AgentRevokedError extends XmlRpcError {
  readonly faultCode = AgentFault.AGENT_REVOKED;
  readonly code = 'AGENT_REVOKED';
  constructor() {
    super('this agent has been revoked; enrol again');
  }
}

export class TokenInvalidError extends XmlRpcError {
  readonly faultCode = AgentFault.TOKEN_INVALID;
  readonly code = 'TOKEN_INVALID';
  constructor() {
    super('enrolment token unknown, used or expired');
  }
}

export class EnrolmentClosedError extends XmlRpcError {
  readonly faultCode = AgentFault.ENROLMENT_CLOSED;
  readonly code = 'ENROLMENT_CLOSED';
  constructor() {
    super('enrolment without a token is not allowed on this server');
  }
}

export class NotFoundError extends XmlRpcError {
  readonly faultCode = AgentFault.NOT_FOUND;
  readonly code = 'NOT_FOUND';
}

export class BadRequestError extends XmlRpcError {
  readonly faultCode = AgentFault.BAD_REQUEST;
  readonly code = 'BAD_REQUEST';
}
