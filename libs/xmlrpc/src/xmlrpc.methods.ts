import type { IncomingMessage } from 'node:http';
import type { XmlRpcValue } from './xmlrpc.codec.js';
import { XmlRpcInvalidParamsError, XmlRpcMethodNotFoundError } from './xmlrpc.errors.js';

/** Type names as `system.methodSignature` reports them. */
export type XmlRpcType =
  | 'string'
  | 'int'
  | 'i8'
  | 'boolean'
  | 'double'
  | 'dateTime.iso8601'
  | 'base64'
  | 'array'
  | 'struct'
  | 'nil';

/** One signature: the return type first, then the parameter types (XML-RPC introspection order). */
export type XmlRpcSignature = readonly [XmlRpcType, ...XmlRpcType[]];

export interface XmlRpcMethodInfo {
  help?: string;
  /** Accepted signatures. When present, calls whose params match none are rejected as INVALID_PARAMS. */
  signatures?: readonly XmlRpcSignature[];
}

/** What a handler learns about the call besides its params. */
export interface XmlRpcCallMeta {
  methodName: string;
  remoteAddress: string;
  request: IncomingMessage;
}

export type XmlRpcMethodFn = (params: XmlRpcValue[], meta: XmlRpcCallMeta) => unknown;

interface Entry {
  fn: XmlRpcMethodFn;
  info: XmlRpcMethodInfo;
}

function matches(type: XmlRpcType, value: XmlRpcValue | undefined): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
    case 'i8':
      return typeof value === 'number' && Number.isInteger(value);
    case 'double':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'dateTime.iso8601':
      return value instanceof Date && !Number.isNaN(value.getTime());
    case 'base64':
      return Buffer.isBuffer(value);
    case 'array':
      return Array.isArray(value);
    case 'struct':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value);
    case 'nil':
      return value === null;
  }
}

function describe(value: XmlRpcValue | undefined): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'dateTime.iso8601';
  if (Buffer.isBuffer(value)) return 'base64';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  return typeof value === 'object' ? 'struct' : typeof value;
}

/**
 * The table of methods one endpoint serves, with the introspection methods of the XML-RPC
 * introspection convention (system.listMethods, system.methodHelp, system.methodSignature).
 */
export class XmlRpcMethodRegistry {
  private readonly methods = new Map<string, Entry>();

  constructor() {
    this.add('system.listMethods', { help: 'Lists the methods this server serves.', signatures: [['array']] }, () => this.names());
    this.add('system.methodHelp', { help: 'Returns the help text of a method.', signatures: [['string', 'string']] }, ([name]) => this.entry(name as string).info.help ?? '');
    this.add(
      'system.methodSignature',
      { help: 'Returns the signatures of a method: arrays of [return type, param types...].', signatures: [['array', 'string']] },
      ([name]) => {
        const sigs = this.entry(name as string).info.signatures;
        // The introspection convention returns a non-array when signatures are unknown.
        return sigs ? sigs.map((s) => [...s]) : 'undef';
      },
    );
  }

  add(name: string, info: XmlRpcMethodInfo, fn: XmlRpcMethodFn): void {
    if (this.methods.has(name)) throw new Error(`XML-RPC method ${name} registered twice`);
    this.methods.set(name, { fn, info });
  }

  names(): string[] {
    return [...this.methods.keys()].sort();
  }

  has(name: string): boolean {
    return this.methods.has(name);
  }

  private entry(name: string): Entry {
    const e = this.methods.get(name);
    if (!e) throw new XmlRpcMethodNotFoundError(name);
    return e;
  }

  /** Checks params against the declared signatures and runs the method. Throws XmlRpcError subclasses. */
  async invoke(name: string, params: XmlRpcValue[], meta: XmlRpcCallMeta): Promise<unknown> {
    const entry = this.entry(name);
    const sigs = entry.info.signatures;
    if (sigs && !sigs.some((sig) => sig.length - 1 === params.length && sig.slice(1).every((t, i) => matches(t, params[i])))) {
      const got = params.map(describe).join(', ');
      const want = sigs.map((s) => `(${s.slice(1).join(', ')})`).join(' or ');
      throw new XmlRpcInvalidParamsError(`${name} expects ${want}, got (${got})`);
    }
    return entry.fn(params, meta);
  }
}
