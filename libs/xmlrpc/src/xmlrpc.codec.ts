import { createRequire } from 'node:module';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import {
  XmlRpcFaultResponse,
  XmlRpcLimitError,
  XmlRpcParseError,
  XmlRpcInvalidRequestError,
  type XmlRpcFaultBody,
} from './xmlrpc.errors.js';

/** A value XML-RPC can carry. Structs are plain objects; i8 arrives as a number (safe range only). */
export type XmlRpcValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | Buffer
  | XmlRpcValue[]
  | XmlRpcStruct;
export interface XmlRpcStruct {
  [member: string]: XmlRpcValue | undefined;
}

export interface XmlRpcLimits {
  /** Largest request/response body in bytes; counted while streaming. Default 10 MiB. */
  maxBodyBytes: number;
  /** Deepest element nesting accepted (methodCall/params/param/value counts too). Default 64. */
  maxDepth: number;
  /** Most XML elements in one document. Default 1,000,000. */
  maxElements: number;
}

export const DEFAULT_LIMITS: XmlRpcLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 1_000_000,
};

/**
 * Bytes being parsed right now across all requests of one endpoint. A chunk that would take the
 * total past `max` fails its request with ServerBusyError (HTTP 503), so many large bodies at once
 * cannot add up to an unbounded allocation.
 */
export class ByteBudget {
  used = 0;
  constructor(readonly max: number) {}
}

/** Raised when the endpoint's ByteBudget is exhausted: the HTTP layer answers 503. */
export class ServerBusyError extends Error {
  constructor() {
    super('server busy: too many bytes in flight');
    this.name = 'ServerBusyError';
  }
}

/** Raised (not as a fault) when a body passes maxBodyBytes: the HTTP layer answers 413. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

// The `xmlrpc` package does the XML work; its deep modules have no type declarations, so the shapes
// we rely on are declared here.
interface SaxStream {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  write(data: string): boolean;
  end(): void;
}
interface XmlRpcDeserializer {
  parser: SaxStream;
  stack: unknown[];
  marks: number[];
  value: boolean;
  error: unknown;
  onError(error: Error): void;
  endStruct(data: string): void;
  endI8(data: string): void;
  endBase64(data: string): void;
  deserializeMethodCall(stream: Readable, cb: (err: Error | null | undefined, method?: string, params?: unknown[]) => void): void;
  deserializeMethodResponse(stream: Readable, cb: (err: (Error & { faultCode?: unknown; faultString?: unknown }) | null | undefined, value?: unknown) => void): void;
}
interface CustomTypeCtor {
  new (raw: string): { raw: string; tagName: string };
  prototype: { tagName: string };
}
interface XmlRpcSerializer {
  serializeMethodCall(method: string, params: unknown[]): string;
  serializeMethodResponse(value: unknown): string;
  serializeFault(fault: unknown): string;
}

const require = createRequire(import.meta.url);
const Deserializer = require('xmlrpc/lib/deserializer.js') as new (encoding?: string) => XmlRpcDeserializer;
const Serializer = require('xmlrpc/lib/serializer.js') as XmlRpcSerializer;
const CustomType = require('xmlrpc/lib/customtype.js') as CustomTypeCtor;

class I8 extends CustomType {}
I8.prototype.tagName = 'i8';

/** Counts bytes as they stream through and fails as soon as the limit is passed. */
class ByteLimit extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private budget: ByteBudget | undefined,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) return done(new BodyTooLargeError(this.limit));
    if (this.budget) {
      if (this.budget.used + chunk.length > this.budget.max) return done(new ServerBusyError());
      this.budget.used += chunk.length;
    }
    done(null, chunk);
  }
  /** Returns this request's bytes to the budget once parsing is over. */
  release(): void {
    if (this.budget) this.budget.used -= Math.min(this.seen, this.limit);
    this.budget = undefined;
  }
}

/**
 * Builds a deserializer from the `xmlrpc` package with the guards it lacks: no DOCTYPE (so no
 * entity definitions, external or internal), bounded depth and element count, `__proto__` members
 * kept as data instead of replacing a struct's prototype, i8 as a number, Buffer.from for base64.
 */
function guardedDeserializer(limits: XmlRpcLimits, fail: (error: Error) => void): XmlRpcDeserializer {
  const d = new Deserializer('utf8');
  let depth = 0;
  let elements = 0;
  d.parser.on('doctype', () => fail(new XmlRpcParseError('DOCTYPE/DTD is not allowed')));
  d.parser.on('sgmldeclaration', () => fail(new XmlRpcParseError('SGML declarations are not allowed')));
  d.parser.on('opentag', () => {
    depth += 1;
    elements += 1;
    if (depth > limits.maxDepth) fail(new XmlRpcLimitError(`nesting deeper than ${limits.maxDepth}`));
    else if (elements > limits.maxElements) fail(new XmlRpcLimitError(`more than ${limits.maxElements} elements`));
  });
  d.parser.on('closetag', () => {
    depth -= 1;
  });
  d.endStruct = function endStruct(this: XmlRpcDeserializer): void {
    const mark = this.marks.pop() ?? 0;
    const items = this.stack.slice(mark);
    const struct: Record<string, unknown> = {};
    for (let i = 0; i < items.length; i += 2) {
      Object.defineProperty(struct, String(items[i]), { value: items[i + 1], enumerable: true, writable: true, configurable: true });
    }
    this.stack.splice(mark, this.stack.length - mark, struct);
    this.value = false;
  };
  d.endI8 = function endI8(this: XmlRpcDeserializer, data: string): void {
    const text = data.trim();
    const n = Number(text);
    if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n)) throw new Error(`i8 value out of range: ${text.slice(0, 40)}`);
    this.stack.push(n);
    this.value = false;
  };
  d.endBase64 = function endBase64(this: XmlRpcDeserializer, data: string): void {
    this.stack.push(Buffer.from(data, 'base64'));
    this.value = false;
  };
  return d;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: Error };

function runDeserializer<T>(
  source: Readable,
  limits: XmlRpcLimits,
  budget: ByteBudget | undefined,
  start: (d: XmlRpcDeserializer, input: Readable, settle: (result: Parsed<T>) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const limit = new ByteLimit(limits.maxBodyBytes, budget);
    let settled = false;
    const settle = (result: Parsed<T>): void => {
      if (settled) return;
      settled = true;
      source.unpipe(limit);
      limit.unpipe();
      limit.release();
      if (result.ok) resolve(result.value);
      else reject(result.error);
    };
    const fail = (error: Error): void => {
      // Mark the deserializer as failed so it ignores the rest of the chunk being parsed.
      if (!d.error) d.error = error;
      settle({ ok: false, error });
    };
    const d = guardedDeserializer(limits, fail);
    limit.on('error', (error: Error) => fail(error));
    source.on('error', (error: Error) => fail(error));
    source.on('aborted', () => fail(new Error('request aborted')));
    start(d, limit, settle);
    source.pipe(limit);
  });
}

export interface ParsedCall {
  methodName: string;
  params: XmlRpcValue[];
}

/**
 * Parses a methodCall from a stream. Rejects with BodyTooLargeError past maxBodyBytes, and with an
 * XmlRpcError (parse, limit or invalid request) for anything else that is not a valid call.
 */
export function parseMethodCall(source: Readable, limits: XmlRpcLimits = DEFAULT_LIMITS, budget?: ByteBudget): Promise<ParsedCall> {
  return runDeserializer<ParsedCall>(source, limits, budget, (d, input, settle) => {
    d.deserializeMethodCall(input, (err, method, params) => {
      if (err) {
        settle({ ok: false, error: err instanceof BodyTooLargeError || err instanceof ServerBusyError || err instanceof XmlRpcLimitError || err instanceof XmlRpcParseError ? err : new XmlRpcParseError(`malformed XML-RPC call: ${err.message.split('\n')[0]?.slice(0, 200)}`) });
      } else if (typeof method !== 'string' || method.length === 0 || method.length > 256) {
        settle({ ok: false, error: new XmlRpcInvalidRequestError('invalid methodName') });
      } else {
        settle({ ok: true, value: { methodName: method.trim(), params: (params ?? []) as XmlRpcValue[] } });
      }
    });
  });
}

/** Parses a methodResponse; a fault rejects with XmlRpcFaultResponse. */
export function parseMethodResponse(source: Readable, limits: XmlRpcLimits = DEFAULT_LIMITS): Promise<XmlRpcValue> {
  return runDeserializer<XmlRpcValue>(source, limits, undefined, (d, input, settle) => {
    d.deserializeMethodResponse(input, (err, value) => {
      if (err && typeof err.faultCode === 'number') {
        const body = d.stack[0] as Record<string, unknown> | undefined;
        const code = typeof body?.code === 'string' ? body.code : undefined;
        settle({ ok: false, error: new XmlRpcFaultResponse(err.faultCode, String(err.faultString ?? ''), code) });
      } else if (err) {
        settle({ ok: false, error: err instanceof BodyTooLargeError || err instanceof XmlRpcLimitError || err instanceof XmlRpcParseError ? err : new XmlRpcParseError(`malformed XML-RPC response: ${err.message.split('\n')[0]?.slice(0, 200)}`) });
      } else {
        settle({ ok: true, value: (value ?? null) as XmlRpcValue });
      }
    });
  });
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const MAX_OUT_DEPTH = 64;

/** Converts a value into what the `xmlrpc` serializer understands, choosing i8 for wide integers. */
function toWire(value: unknown, depth: number): unknown {
  if (depth > MAX_OUT_DEPTH) throw new Error('value nested too deeply to serialise');
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new Error('cannot serialise a non-finite number');
      if (Number.isInteger(value) && (value < INT32_MIN || value > INT32_MAX)) return new I8(String(value));
      return value;
    case 'bigint':
      return new I8(value.toString());
    case 'undefined':
      return null;
    case 'object': {
      if (value === null || value instanceof Date || Buffer.isBuffer(value)) return value;
      if (value instanceof Uint8Array) return Buffer.from(value);
      if (Array.isArray(value)) return value.map((v) => toWire(v, depth + 1));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v !== undefined) Object.defineProperty(out, k, { value: toWire(v, depth + 1), enumerable: true });
      }
      return out;
    }
    default:
      throw new Error(`cannot serialise a ${typeof value}`);
  }
}

export function serializeCall(methodName: string, params: readonly XmlRpcValue[]): string {
  return Serializer.serializeMethodCall(methodName, params.map((p) => toWire(p, 0)));
}

/** Serialises a successful response. Throws if the value cannot be represented (caller faults). */
export function serializeResponse(value: unknown): string {
  return Serializer.serializeMethodResponse(toWire(value, 0));
}

export function serializeFault(fault: XmlRpcFaultBody): string {
  // Strings with characters XML cannot carry (control characters) are replaced, never thrown on.
  const faultString = fault.faultString.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
  return Serializer.serializeFault({ faultCode: fault.faultCode, faultString, code: fault.code });
}
