import { RpcException } from '@nestjs/microservices';

/** The body of an XML-RPC fault as it travels on the wire, plus our stable string code. */
export interface XmlRpcFaultBody {
  faultCode: number;
  faultString: string;
  /** Stable, machine-readable name of the error (e.g. `AUTH_FAILED`). */
  code: string;
}

/**
 * Base class of every typed domain error that crosses the XML-RPC boundary.
 *
 * Subclasses fix `faultCode` (a stable number clients may switch on) and `code` (a stable string).
 * It extends RpcException so Nest's default RPC exception filter hands `getError()` to the
 * transport unchanged instead of replacing it with "Internal server error".
 */
export abstract class XmlRpcError extends RpcException {
  abstract readonly faultCode: number;
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    this.message = message;
  }

  override getError(): XmlRpcFaultBody {
    return { faultCode: this.faultCode, faultString: this.message, code: this.code };
  }
}

/**
 * Fault codes of the transport itself, from the "specification for fault code interoperability"
 * that xmlrpc-epi, Python and Apache XML-RPC share. Application errors use positive codes.
 */
export const TransportFault = {
  PARSE_ERROR: -32700,
  UNSUPPORTED_ENCODING: -32701,
  INVALID_XMLRPC: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  LIMIT_EXCEEDED: -32604,
} as const;

export class XmlRpcParseError extends XmlRpcError {
  readonly faultCode = TransportFault.PARSE_ERROR;
  readonly code = 'PARSE_ERROR';
}

export class XmlRpcInvalidRequestError extends XmlRpcError {
  readonly faultCode = TransportFault.INVALID_XMLRPC;
  readonly code = 'INVALID_XMLRPC';
}

export class XmlRpcLimitError extends XmlRpcError {
  readonly faultCode = TransportFault.LIMIT_EXCEEDED;
  readonly code = 'LIMIT_EXCEEDED';
}

export class XmlRpcMethodNotFoundError extends XmlRpcError {
  readonly faultCode = TransportFault.METHOD_NOT_FOUND;
  readonly code = 'METHOD_NOT_FOUND';
  constructor(methodName: string) {
    super(`method "${methodName.slice(0, 200)}" not found`);
  }
}

export class XmlRpcInvalidParamsError extends XmlRpcError {
  readonly faultCode = TransportFault.INVALID_PARAMS;
  readonly code = 'INVALID_PARAMS';
}

export class XmlRpcInternalError extends XmlRpcError {
  readonly faultCode = TransportFault.INTERNAL_ERROR;
  readonly code = 'INTERNAL_ERROR';
}

/** Thrown by XmlRpcClient when the remote side answers with a fault. */
export class XmlRpcFaultResponse extends Error {
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
    readonly code: string | undefined,
  ) {
    super(`XML-RPC fault ${faultCode}${code ? ` ${code}` : ''}: ${faultString}`);
    this.name = 'XmlRpcFaultResponse';
  }
}

/** Thrown by XmlRpcClient for transport failures: connection refused, timeout, HTTP status, bad XML. */
export class XmlRpcTransportError extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'XmlRpcTransportError';
  }
}

/** Normalises whatever a handler pipeline produced into a fault body; never leaks internals. */
export function toFaultBody(error: unknown): XmlRpcFaultBody {
  if (error instanceof XmlRpcError) return error.getError();
  if (isFaultBody(error)) return error;
  return { faultCode: TransportFault.INTERNAL_ERROR, faultString: 'internal error', code: 'INTERNAL_ERROR' };
}

function isFaultBody(value: unknown): value is XmlRpcFaultBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.faultCode === 'number' && typeof v.faultString === 'string' && typeof v.code === 'string';
}
