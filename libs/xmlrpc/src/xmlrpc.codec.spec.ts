import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, DEFAULT_LIMITS, parseMethodCall, parseMethodResponse, serializeCall, serializeFault, serializeResponse } from './xmlrpc.codec.js';
import { XmlRpcFaultResponse, XmlRpcLimitError, XmlRpcParseError } from './xmlrpc.errors.js';

const from = (text: string, chunk = 7): Readable => {
  // Small chunks exercise the streaming paths (multi-byte characters split across chunks too).
  const buf = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
};

describe('xmlrpc codec', () => {
  it('round-trips a call with every type, including i8 and unicode split across chunks', async () => {
    const params = ['zürich ✓ <&>', 42, -3.25, true, null, new Date('2024-02-29T12:00:00Z'), Buffer.from([1, 2, 3]), [1, [2]], { a: { b: 'c' } }, 2 ** 40];
    const parsed = await parseMethodCall(from(serializeCall('x.y', params)));
    expect(parsed).toEqual({ methodName: 'x.y', params });
  });

  it('serialises wide integers as i8 and refuses non-finite numbers', () => {
    expect(serializeResponse(2 ** 40)).toContain('<i8>1099511627776</i8>');
    expect(serializeResponse(7)).toContain('<int>7</int>');
    expect(() => serializeResponse(Number.NaN)).toThrow();
    expect(() => serializeResponse(() => 1)).toThrow();
  });

  it('enforces maxElements, maxDepth and maxBodyBytes', async () => {
    const many = serializeCall('m', [Array.from({ length: 100 }, (_, i) => i)]);
    await expect(parseMethodCall(from(many), { ...DEFAULT_LIMITS, maxElements: 50 })).rejects.toBeInstanceOf(XmlRpcLimitError);
    await expect(parseMethodCall(from(many), { ...DEFAULT_LIMITS, maxElements: 1000 })).resolves.toBeTruthy();
    const deep = serializeCall('m', [[[[[['x']]]]]]);
    await expect(parseMethodCall(from(deep), { ...DEFAULT_LIMITS, maxDepth: 8 })).rejects.toBeInstanceOf(XmlRpcLimitError);
    await expect(parseMethodCall(from(many), { ...DEFAULT_LIMITS, maxBodyBytes: 100 })).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('rejects DOCTYPE and keeps __proto__ members as plain data', async () => {
    await expect(parseMethodCall(from('<?xml version="1.0"?><!DOCTYPE x><methodCall><methodName>a</methodName></methodCall>'))).rejects.toBeInstanceOf(XmlRpcParseError);
    const evil = '<methodCall><methodName>a</methodName><params><param><value><struct><member><name>__proto__</name><value><struct><member><name>polluted</name><value>yes</value></member></struct></value></member></struct></value></param></params></methodCall>';
    const { params } = await parseMethodCall(from(evil));
    const struct = params[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(struct)).toBe(Object.prototype);
    expect(Object.keys(struct)).toEqual(['__proto__']);
    expect((struct as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('parses responses and faults, keeping the string code of a fault', async () => {
    expect(await parseMethodResponse(from(serializeResponse({ ok: true })))).toEqual({ ok: true });
    const fault = parseMethodResponse(from(serializeFault({ faultCode: 1002, faultString: 'no \u0001 way', code: 'AUTH_FAILED' })));
    await expect(fault).rejects.toEqual(new XmlRpcFaultResponse(1002, 'no \uFFFD way', 'AUTH_FAILED'));
    await expect(parseMethodResponse(from('<methodResponse><bogus/></methodResponse>'))).rejects.toBeInstanceOf(XmlRpcParseError);
    await expect(parseMethodResponse(from('<methodResponse><params><param><value><struct>'))).rejects.toBeInstanceOf(XmlRpcParseError);
  });
});
