import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import {
  BodyTooLargeError,
  ByteBudget,
  DEFAULT_LIMITS,
  ServerBusyError,
  parseMethodCall,
  serializeFault,
  serializeResponse,
  type XmlRpcLimits,
} from './xmlrpc.codec.js';
import { toFaultBody, XmlRpcError, type XmlRpcFaultBody } from './xmlrpc.errors.js';
import type { XmlRpcMethodRegistry } from './xmlrpc.methods.js';

export interface XmlRpcEndpointOptions {
  /** Port to listen on; 0 picks a free one (see `address()`). */
  port: number;
  host?: string;
  /** Limits on request bodies; missing members take DEFAULT_LIMITS. */
  limits?: Partial<XmlRpcLimits>;
  /** Only this path is served (other paths get 404). Unset: any path. */
  path?: string;
  /**
   * Requests parsed or running at once; more get HTTP 503. Default 256.
   */
  maxConcurrentRequests?: number;
  /**
   * Request-body bytes being parsed at once across all requests; a chunk past it fails its request
   * with HTTP 503. Bounds memory in aggregate. Default 256 MiB.
   */
  maxBytesInFlight?: number;
  /** Whole-request timeout in ms (slow senders). Default 60 s. */
  requestTimeoutMs?: number;
  /**
   * A connection that sends or receives nothing this long is closed (a trickled body, an idle
   * socket). Unset: only requestTimeoutMs applies (a method may legitimately answer slowly).
   */
  idleTimeoutMs?: number;
  /**
   * Open connections per client address; more are closed at once. Unset: no limit. Counted on the
   * TCP peer, so behind a reverse proxy it limits the proxy.
   */
  maxConnectionsPerAddress?: number;
  /**
   * Behind a reverse proxy: take the client address from the last X-Forwarded-For hop (the one the
   * proxy added). Leave off when clients connect directly, or they could choose their own address.
   */
  trustForwardedFor?: boolean;
  /** Serve HTTPS with this certificate and key (PEM). Unset: plain HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Called for failures that are not the client's fault (handler crashes). */
  onInternalError?: (error: unknown, methodName: string) => void;
}

/** After answering early (413, fault mid-body), read at most this much more before hanging up. */
const DRAIN_GRACE_MS = 2_000;

/**
 * XML-RPC over HTTP on a node:http server: parses with limits, dispatches into a method registry,
 * answers with a response or a fault. Shared by the Nest transport and the agent's plain server.
 */
export class XmlRpcEndpoint {
  readonly limits: XmlRpcLimits;
  private readonly http: HttpServer;
  private active = 0;
  private readonly budget: ByteBudget;

  constructor(
    private readonly options: XmlRpcEndpointOptions,
    private readonly registry: XmlRpcMethodRegistry,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.budget = new ByteBudget(options.maxBytesInFlight ?? 256 * 1024 * 1024);
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((error: unknown) => {
        this.options.onInternalError?.(error, '');
        if (!res.headersSent) this.reply(req, res, 500, 'text/plain', 'internal error\n');
        else res.destroy();
      });
    };
    const requestTimeout = options.requestTimeoutMs ?? 60_000;
    this.http = options.tls
      ? createTlsServer({ requestTimeout, cert: options.tls.cert, key: options.tls.key }, onRequest)
      : createServer({ requestTimeout }, onRequest);
    if (options.idleTimeoutMs !== undefined) this.http.setTimeout(options.idleTimeoutMs, (socket) => socket.destroy());
    const perAddress = new Map<string, number>();
    const maxPerAddress = options.maxConnectionsPerAddress ?? Number.POSITIVE_INFINITY;
    this.http.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? '';
      const open = (perAddress.get(address) ?? 0) + 1;
      if (open > maxPerAddress) {
        socket.destroy();
        return;
      }
      perAddress.set(address, open);
      socket.once('close', () => {
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left <= 0) perAddress.delete(address);
        else perAddress.set(address, left);
      });
    });
    this.http.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo | null {
    const a = this.http.address();
    return a && typeof a === 'object' ? a : null;
  }

  get server(): HttpServer {
    return this.http;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.options.path !== undefined && (req.url ?? '/').split('?')[0] !== this.options.path) {
      return this.reply(req, res, 404, 'text/plain', 'not found\n');
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return this.reply(req, res, 405, 'text/plain', 'XML-RPC needs POST\n');
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > this.limits.maxBodyBytes) {
      return this.reply(req, res, 413, 'text/plain', `body larger than ${this.limits.maxBodyBytes} bytes\n`);
    }
    if (this.active >= (this.options.maxConcurrentRequests ?? 256)) {
      res.setHeader('Retry-After', '1');
      return this.reply(req, res, 503, 'text/plain', 'busy, retry later\n');
    }
    this.active += 1;
    res.once('close', () => {
      this.active -= 1;
    });
    let methodName = '';
    try {
      const call = await parseMethodCall(req, this.limits, this.budget);
      methodName = call.methodName;
      const value = await this.registry.invoke(call.methodName, call.params, {
        methodName,
        remoteAddress: this.clientAddress(req),
        request: req,
      });
      let body: string;
      try {
        body = serializeResponse(value ?? null);
      } catch (error) {
        this.options.onInternalError?.(error, methodName);
        return this.fault(req, res, toFaultBody(undefined));
      }
      return this.reply(req, res, 200, 'text/xml', body);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return this.reply(req, res, 413, 'text/plain', `${error.message}\n`);
      }
      if (error instanceof ServerBusyError) {
        res.setHeader('Retry-After', '1');
        return this.reply(req, res, 503, 'text/plain', `${error.message}\n`);
      }
      if (!(error instanceof XmlRpcError)) this.options.onInternalError?.(error, methodName);
      return this.fault(req, res, toFaultBody(error));
    }
  }

  private clientAddress(req: IncomingMessage): string {
    const direct = req.socket.remoteAddress ?? '';
    if (!this.options.trustForwardedFor) return direct;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => h.trim()).filter((h) => h !== '');
    return hops[hops.length - 1] ?? direct;
  }

  private fault(req: IncomingMessage, res: ServerResponse, body: XmlRpcFaultBody): void {
    this.reply(req, res, 200, 'text/xml', serializeFault(body));
  }

  /**
   * Writes the answer. If the request body was not read to the end (an early 413 or fault), the
   * connection cannot be reused: it is marked close, the rest of the body is read and dropped for
   * a short grace period so the client sees the answer instead of a reset, then the socket closes.
   */
  private reply(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string): void {
    if (res.headersSent || res.destroyed) return;
    const unread = !req.complete;
    res.statusCode = status;
    res.setHeader('Content-Type', type === 'text/xml' ? 'text/xml; charset=utf-8' : type);
    res.setHeader('Content-Length', Buffer.byteLength(body));
    if (unread) res.setHeader('Connection', 'close');
    res.end(body);
    if (unread) {
      const timer = setTimeout(() => req.destroy(), DRAIN_GRACE_MS);
      timer.unref();
      req.on('end', () => clearTimeout(timer));
      req.on('close', () => clearTimeout(timer));
      req.resume();
    }
  }
}
