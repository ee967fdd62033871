import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { XmlRpcEndpoint } from './xmlrpc.endpoint.js';
import { XmlRpcMethodRegistry } from './xmlrpc.methods.js';

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the server closes the socket; rejects if it is still open after `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed || socket.readableEnded) return resolve();
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    socket.once('close', () => (clearTimeout(timer), resolve()));
    socket.resume();
  });
}

describe('XmlRpcEndpoint connection limits (real sockets)', () => {
  let endpoint: XmlRpcEndpoint | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await endpoint?.close();
  });

  async function start(options: { idleTimeoutMs?: number; maxConnectionsPerAddress?: number }): Promise<number> {
    const registry = new XmlRpcMethodRegistry();
    registry.add('ping', {}, () => 'pong');
    endpoint = new XmlRpcEndpoint({ port: 0, host: '127.0.0.1', ...options }, registry);
    return (await endpoint.listen()).port;
  }

  it('closes connections from one address beyond the limit, and accepts again once one closes', async () => {
    const port = await start({ maxConnectionsPerAddress: 2 });
    sockets.push(await open(port), await open(port));
    const third = await open(port);
    sockets.push(third);
    await closedWithin(third, 2_000);
    expect(sockets[0]!.destroyed).toBe(false);
    sockets[0]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const fourth = await open(port);
    sockets.push(fourth);
    await expect(closedWithin(fourth, 300)).rejects.toThrow(/still open/);
  });

  it('drops a connection that trickles its body slower than the idle timeout', async () => {
    const port = await start({ idleTimeoutMs: 300 });
    const slow = await open(port);
    sockets.push(slow);
    slow.write('POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<?xml');
    const started = Date.now();
    await closedWithin(slow, 3_000);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
