import { ntStatusName } from './status.js';

/** Base class of every error thrown by @backtrac/smb. */
export class SmbError extends Error {
  /** Stable machine-readable code, e.g. "STATUS_LOGON_FAILURE", "ETIMEDOUT", "EPROTO". */
  readonly code: string;
  /** Share-relative path the failing operation was about, when there is one. */
  readonly path: string | undefined;

  constructor(message: string, code: string, path?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SmbError';
    this.code = code;
    this.path = path;
  }
}

/** The server answered with an NT status that is not success. */
export class SmbStatusError extends SmbError {
  readonly status: number;
  readonly statusName: string;
  readonly command: string;

  constructor(status: number, command: string, path?: string, detail?: string) {
    const name = ntStatusName(status);
    super(
      `${command} failed: ${name} (0x${(status >>> 0).toString(16).padStart(8, '0')})` +
        (path !== undefined ? ` for "${path}"` : '') +
        (detail ? ` ${detail}` : ''),
      name,
      path,
    );
    this.name = 'SmbStatusError';
    this.status = status >>> 0;
    this.statusName = name;
    this.command = command;
  }
}

/** A request (or connect) did not complete within its timeout. */
export class SmbTimeoutError extends SmbError {
  constructor(what: string, ms: number, path?: string) {
    super(`${what} timed out after ${ms} ms` + (path !== undefined ? ` for "${path}"` : ''), 'ETIMEDOUT', path);
    this.name = 'SmbTimeoutError';
  }
}

/** The TCP connection failed or was closed while requests were outstanding. */
export class SmbConnectionError extends SmbError {
  constructor(message: string, code = 'ECONNRESET', options?: { cause?: unknown }) {
    super(message, code, undefined, options);
    this.name = 'SmbConnectionError';
  }
}

/** The server sent something that violates the protocol (truncated, oversized, bad signature...). */
export class SmbProtocolError extends SmbError {
  constructor(message: string) {
    super(message, 'EPROTO');
    this.name = 'SmbProtocolError';
  }
}
