import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { of } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TransportFault,
  XmlRpcClient,
  XmlRpcContext,
  XmlRpcError,
  XmlRpcFaultResponse,
  XmlRpcMethod,
  XmlRpcServer,
  XmlRpcTransportError,
  type XmlRpcStruct,
  type XmlRpcValue,
} from '../src/index.js';

class DeniedError extends XmlRpcError {
  readonly faultCode = 4001;
  readonly code = 'TEST_DENIED';
}

@Controller()
class TestController {
  @XmlRpcMethod('test.echo', { help: 'Returns its struct argument.', signatures: [['struct', 'struct']] })
  echo(@Payload() params: XmlRpcValue[]): XmlRpcValue {
    return params[0] ?? null;
  }

  @XmlRpcMethod('test.add', { help: 'Adds two ints.', signatures: [['int', 'int', 'int']] })
  add(@Payload() params: number[]): number {
    return (params[0] ?? 0) + (params[1] ?? 0);
  }

  @XmlRpcMethod('test.whoami', { signatures: [['struct']] })
  async whoami(@Ctx() ctx: XmlRpcContext): Promise<XmlRpcStruct> {
    return { method: ctx.getMethodName(), remote: ctx.getRemoteAddress() };
  }

  @XmlRpcMethod('test.deny')
  deny(): never {
    throw new DeniedError('you may not');
  }

  @XmlRpcMethod('test.crash')
  crash(): never {
    throw new Error('secret internal detail');
  }

  @MessagePattern('test.observable')
  observable(): unknown {
    return of({ big: 2 ** 40, when: new Date('2026-01-02T03:04:05Z'), blob: Buffer.from('hi'), nothing: null, list: [1, 1.5, 'x', true] });
  }
}

@Module({ controllers: [TestController] })
class TestModule {}

let app: INestMicroservice;
let server: XmlRpcServer;
let url: string;
let client: XmlRpcClient;

beforeAll(async () => {
  server = new XmlRpcServer({ port: 0, host: '127.0.0.1' });
  app = await NestFactory.createMicroservice(TestModule, { strategy: server, logger: false });
  await app.listen();
  url = `http://127.0.0.1:${server.address()?.port}/RPC2`;
  client = new XmlRpcClient({ url, timeoutMs: 10_000 });
});

afterAll(async () => {
  await app?.close();
});

interface RawAnswer {
  status: number;
  body: string;
}

/** POSTs a raw body; a function body streams it chunked (its `write` waits for drain). Resolves with the answer. */
function post(body: string | Buffer | ((write: (b: Buffer) => Promise<void>) => Promise<void>), opts: { method?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const streaming = typeof body === 'function';
    const req = request(url, {
      method: opts.method ?? 'POST',
      headers: streaming ? { 'Content-Type': 'text/xml' } : { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) },
    });
    let answered = false;
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        answered = true;
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (e) => (answered ? undefined : reject(e)));
    });
    // The server may hang up once it has answered an oversized body; that is expected.
    req.on('error', (e) => setTimeout(() => (answered ? undefined : reject(e)), 500));
    if (typeof body === 'function') {
      // Honour backpressure so the sender never buffers much: this process is the server too.
      const write = (b: Buffer): Promise<void> =>
        new Promise((resolve, reject) => {
          if (req.destroyed) return reject(new Error('closed'));
          if (req.write(b)) return resolve();
          const done = (): void => {
            req.off('drain', done);
            req.off('close', done);
            if (req.destroyed) reject(new Error('closed'));
            else resolve();
          };
          req.on('drain', done);
          req.on('close', done);
        });
      body(write).then(
        () => req.end(),
        () => req.destroy(),
      );
    } else {
      req.end(body);
    }
  });
}

function faultOf(answer: RawAnswer): { code: number; name: string } {
  expect(answer.status).toBe(200);
  const code = /<name>faultCode<\/name><value><int>(-?\d+)<\/int>/.exec(answer.body);
  const name = /<name>code<\/name><value><string>(?:<!\[CDATA\[)?([A-Z_]+)/.exec(answer.body);
  expect(code, answer.body.slice(0, 300)).not.toBeNull();
  return { code: Number(code?.[1]), name: name?.[1] ?? '' };
}

async function stillResponsive(): Promise<void> {
  const names = await client.call('system.listMethods');
  expect(names).toContain('test.echo');
}

const call = (method: string, paramsXml: string): string =>
  `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${paramsXml}</params></methodCall>`;

describe('XmlRpcServer over HTTP', () => {
  it('routes calls to handlers and round-trips every XML-RPC type', async () => {
    const arg = { s: 'héllo <&> ]]>', i: -7, d: 2.5, b: false, n: null, when: new Date('2025-06-07T08:09:10Z'), bin: Buffer.from([0, 1, 255]), arr: [1, ['nested']], __proto__member: 'x' };
    expect(await client.call('test.echo', [arg])).toEqual(arg);
    expect(await client.call('test.add', [2, 40])).toBe(42);
    expect(await client.call('test.whoami')).toEqual({ method: 'test.whoami', remote: '127.0.0.1' });
    expect(await client.call('test.observable')).toEqual({ big: 2 ** 40, when: new Date('2026-01-02T03:04:05Z'), blob: Buffer.from('hi'), nothing: null, list: [1, 1.5, 'x', true] });
  });

  it('keeps a struct member named __proto__ as data', async () => {
    const answer = await post(call('test.echo', '<param><value><struct><member><name>__proto__</name><value><struct><member><name>admin</name><value><boolean>1</boolean></value></member></struct></value></member></struct></value></param>'));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<name>__proto__</name>');
    expect(answer.body).toContain('<name>admin</name>');
  });

  it('answers introspection: listMethods, methodHelp, methodSignature', async () => {
    const names = (await client.call('system.listMethods')) as string[];
    expect(names).toEqual(['system.listMethods', 'system.methodHelp', 'system.methodSignature', 'test.add', 'test.crash', 'test.deny', 'test.echo', 'test.observable', 'test.whoami']);
    expect(await client.call('system.methodHelp', ['test.add'])).toBe('Adds two ints.');
    expect(await client.call('system.methodSignature', ['test.add'])).toEqual([['int', 'int', 'int']]);
    expect(await client.call('system.methodSignature', ['test.deny'])).toBe('undef');
    await expect(client.call('system.methodHelp', ['no.such'])).rejects.toMatchObject({ faultCode: TransportFault.METHOD_NOT_FOUND });
  });

  it('maps every fault: domain error, unknown method, wrong types, wrong arity, internal error', async () => {
    await expect(client.call('test.deny')).rejects.toEqual(new XmlRpcFaultResponse(4001, 'you may not', 'TEST_DENIED'));
    await expect(client.call('no.such.method')).rejects.toMatchObject({ faultCode: -32601, code: 'METHOD_NOT_FOUND' });
    await expect(client.call('test.add', ['2', 40])).rejects.toMatchObject({ faultCode: -32602, code: 'INVALID_PARAMS' });
    await expect(client.call('test.add', [2.5, 40])).rejects.toMatchObject({ faultCode: -32602 });
    await expect(client.call('test.add', [2])).rejects.toMatchObject({ faultCode: -32602 });
    await expect(client.call('test.echo', [[1, 2]])).rejects.toMatchObject({ faultCode: -32602 });
    const crash = client.call('test.crash');
    await expect(crash).rejects.toMatchObject({ faultCode: -32603, code: 'INTERNAL_ERROR' });
    await expect(crash).rejects.not.toMatchObject({ faultString: expect.stringContaining('secret') });
    await stillResponsive();
  });

  it('answers malformed and non-XML-RPC bodies with a parse or protocol fault', async () => {
    for (const body of ['', 'not xml at all', '<methodCall><methodName>test.add</methodName><params>', '<?xml version="1.0"?><foo/>', call('test.add', '<param><value><int>abc</int></value></param>'), call('test.add', '<param><value><bogus>1</bogus></value></param>'), '\u0000\u0001\u0002<<<>>>']) {
      const f = faultOf(await post(body));
      expect([TransportFault.PARSE_ERROR, TransportFault.INVALID_XMLRPC]).toContain(f.code);
    }
    await stillResponsive();
  });

  it('refuses a billion-laughs DTD and external entities without expanding them', async () => {
    const lol = ['<!ENTITY lol0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`)].join('');
    const laughs = `<?xml version="1.0"?><!DOCTYPE methodCall [${lol}]>${call('test.echo', '<param><value><struct><member><name>a</name><value>&lol9;</value></member></struct></value></param>')}`;
    const started = process.memoryUsage().rss;
    expect(faultOf(await post(laughs))).toEqual({ code: TransportFault.PARSE_ERROR, name: 'PARSE_ERROR' });
    expect(process.memoryUsage().rss - started).toBeLessThan(100 * 1024 * 1024);
    const xxe = `<?xml version="1.0"?><!DOCTYPE methodCall [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${call('test.echo', '<param><value><struct><member><name>a</name><value>&xxe;</value></member></struct></value></param>')}`;
    const answer = await post(xxe);
    expect(faultOf(answer).code).toBe(TransportFault.PARSE_ERROR);
    expect(answer.body).not.toContain('root:');
    await stillResponsive();
  });

  it('refuses 10,000-deep nesting with a limit fault', async () => {
    const depth = 10_000;
    const nested = `${'<value><array><data>'.repeat(depth)}${'</data></array></value>'.repeat(depth)}`;
    expect(faultOf(await post(call('test.echo', `<param>${nested}</param>`)))).toEqual({ code: TransportFault.LIMIT_EXCEEDED, name: 'LIMIT_EXCEEDED' });
    const structs = `${'<value><struct><member><name>m</name>'.repeat(depth)}<value>x</value>${'</member></struct></value>'.repeat(depth)}`;
    expect(faultOf(await post(call('test.echo', `<param>${structs}</param>`))).code).toBe(TransportFault.LIMIT_EXCEEDED);
    await stillResponsive();
  });

  it('refuses a 100 MB body with 413, by Content-Length and while streaming a chunked body', async () => {
    const mb = Buffer.alloc(1024 * 1024, 'a');
    const declared = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'Content-Length': 100 * 1024 * 1024 } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(mb);
    });
    expect(declared).toBe(413);

    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    const chunked = await post(async (write) => {
      await write(Buffer.from('<?xml version="1.0"?><methodCall><methodName>test.echo</methodName><params><param><value><string>'));
      for (let i = 0; i < 100; i++) {
        await write(mb);
        sent += mb.length;
      }
    });
    expect(chunked.status).toBe(413);
    expect(sent).toBeGreaterThan(10 * 1024 * 1024);
    // The server never holds the whole body: its process (this one) grew by far less than 100 MB.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(80 * 1024 * 1024);
    await stillResponsive();
  });

  it('answers GET with 405 and a broken client with 400, and keeps serving', async () => {
    expect((await post('', { method: 'GET' })).status).toBe(405);
    const { connect } = await import('node:net');
    const port = server.address()?.port ?? 0;
    const raw = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write('POST /RPC2 HTTP/1.1\r\nContent-Length: nope\r\n\r\n'));
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('close', () => resolve(out));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    await stillResponsive();
  });

  it('client reports transport errors distinctly from faults', async () => {
    const dead = new XmlRpcClient({ url: 'http://127.0.0.1:1/RPC2', timeoutMs: 2_000 });
    await expect(dead.call('system.listMethods')).rejects.toBeInstanceOf(XmlRpcTransportError);
  });

  it('serves HTTPS when given a certificate, and the client verifies it against a private CA', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { promisify } = await import('node:util');
    const { XmlRpcEndpoint, XmlRpcMethodRegistry } = await import('../src/index.js');
    const dir = await mkdtemp(join(tmpdir(), 'bt-xmlrpc-tls-'));
    try {
      await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
      const cert = await readFile(join(dir, 'cert.pem'));
      const registry = new XmlRpcMethodRegistry();
      registry.add('t.hello', { signatures: [['string']] }, () => 'hello over tls');
      const endpoint = new XmlRpcEndpoint({ port: 0, host: '127.0.0.1', tls: { cert, key: await readFile(join(dir, 'key.pem')) } }, registry);
      const { port } = await endpoint.listen();
      try {
        expect(await new XmlRpcClient({ url: `https://127.0.0.1:${port}/RPC2`, ca: cert }).call('t.hello')).toBe('hello over tls');
        await expect(new XmlRpcClient({ url: `https://127.0.0.1:${port}/RPC2` }).call('t.hello')).rejects.toBeInstanceOf(XmlRpcTransportError);
      } finally {
        await endpoint.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers 503 beyond maxConcurrentRequests and recovers when requests finish', async () => {
    const { XmlRpcEndpoint, XmlRpcMethodRegistry } = await import('../src/index.js');
    const registry = new XmlRpcMethodRegistry();
    registry.add('t.ping', {}, () => 'pong');
    const endpoint = new XmlRpcEndpoint({ port: 0, host: '127.0.0.1', maxConcurrentRequests: 2 }, registry);
    const { port } = await endpoint.listen();
    const open: Array<ReturnType<typeof request>> = [];
    try {
      // Two senders that never finish their bodies hold both slots.
      for (let i = 0; i < 2; i++) {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/RPC2', headers: { 'Content-Type': 'text/xml' } });
        req.on('error', () => undefined);
        req.write('<?xml version="1.0"?><methodCall><methodName>t.ping</methodName>');
        open.push(req);
      }
      await new Promise((r) => setTimeout(r, 200));
      const rpc = new XmlRpcClient({ url: `http://127.0.0.1:${port}/RPC2`, timeoutMs: 5_000 });
      await expect(rpc.call('t.ping')).rejects.toMatchObject({ httpStatus: 503 });
      for (const req of open) req.destroy();
      await new Promise((r) => setTimeout(r, 200));
      expect(await rpc.call('t.ping')).toBe('pong');
    } finally {
      for (const req of open) req.destroy();
      await endpoint.close();
    }
  });

  it('answers 503 when the bytes in flight across requests pass maxBytesInFlight', async () => {
    const { XmlRpcEndpoint, XmlRpcMethodRegistry } = await import('../src/index.js');
    const registry = new XmlRpcMethodRegistry();
    registry.add('t.ping', {}, () => 'pong');
    const endpoint = new XmlRpcEndpoint({ port: 0, host: '127.0.0.1', maxBytesInFlight: 1024 * 1024 }, registry);
    const { port } = await endpoint.listen();
    const slow = request({ host: '127.0.0.1', port, method: 'POST', path: '/RPC2', headers: { 'Content-Type': 'text/xml' } });
    slow.on('error', () => undefined);
    try {
      // One unfinished body holds 900 KB of the 1 MiB budget; a second large body cannot fit.
      slow.write(`<?xml version="1.0"?><methodCall><methodName>t.ping</methodName><params><param><value><string>${'a'.repeat(900 * 1024)}`);
      await new Promise((r) => setTimeout(r, 300));
      const big = call('t.ping', `<param><value><string>${'b'.repeat(300 * 1024)}</string></value></param>`);
      const answer = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/RPC2', headers: { 'Content-Length': Buffer.byteLength(big) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(big);
      });
      expect(answer).toBe(503);
      // Small calls still fit, and the budget comes back when the slow request goes away.
      const rpc = new XmlRpcClient({ url: `http://127.0.0.1:${port}/RPC2`, timeoutMs: 5_000 });
      expect(await rpc.call('t.ping')).toBe('pong');
      slow.destroy();
      await new Promise((r) => setTimeout(r, 200));
      expect(await rpc.call('t.ping', ['c'.repeat(300 * 1024)])).toBe('pong');
    } finally {
      slow.destroy();
      await endpoint.close();
    }
  });

  it('takes the client address from X-Forwarded-For only when told to trust it', async () => {
    const { XmlRpcEndpoint, XmlRpcMethodRegistry } = await import('../src/index.js');
    const registry = new XmlRpcMethodRegistry();
    registry.add('t.whoami', {}, (_p, meta) => meta.remoteAddress);
    for (const [trust, expected] of [[true, '203.0.113.7'], [false, '127.0.0.1']] as const) {
      const endpoint = new XmlRpcEndpoint({ port: 0, host: '127.0.0.1', trustForwardedFor: trust }, registry);
      const { port } = await endpoint.listen();
      try {
        const rpc = new XmlRpcClient({ url: `http://127.0.0.1:${port}/RPC2`, headers: { 'X-Forwarded-For': '10.9.9.9, 203.0.113.7' } });
        expect(await rpc.call('t.whoami')).toBe(expected);
      } finally {
        await endpoint.close();
      }
    }
  });

  it('interoperates with Python xmlrpc.client: call, fault, listMethods, methodSignature', async () => {
    const script = `
import json, sys, xmlrpc.client, datetime
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
out = {}
out["add"] = p.test.add(20, 22)
out["echo"] = p.test.echo({"name": "caf\\u00e9", "n": [1, 2.5, True], "none": None})
out["methods"] = p.system.listMethods()
out["sig"] = p.system.methodSignature("test.add")
out["help"] = p.system.methodHelp("test.echo")
try:
    p.test.deny()
except xmlrpc.client.Fault as f:
    out["fault"] = [f.faultCode, f.faultString]
try:
    p.test.add("x", 1)
except xmlrpc.client.Fault as f:
    out["badtypes"] = f.faultCode
print(json.dumps(out))
`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('python3', ['-c', script, url], { timeout: 30_000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
    });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.add).toBe(42);
    expect(out.echo).toEqual({ name: 'café', n: [1, 2.5, true], none: null });
    expect(out.methods).toContain('test.echo');
    expect(out.sig).toEqual([['int', 'int', 'int']]);
    expect(out.help).toBe('Returns its struct argument.');
    expect(out.fault).toEqual([4001, 'you may not']);
    expect(out.badtypes).toBe(-32602);
  });
});
