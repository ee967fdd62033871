import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DEFAULT_LIMITS, parseMethodResponse, serializeCall, type XmlRpcLimits, type XmlRpcValue } from './xmlrpc.codec.js';
import { XmlRpcTransportError } from './xmlrpc.errors.js';

export interface XmlRpcClientOptions {
  /** Endpoint URL, http: or https:, e.g. `https://gateway:8443/RPC2`. */
  url: string;
  /** Per-call timeout in ms (connect + answer). Default 30 s. */
  timeoutMs?: number;
  /** Limits applied to responses. */
  limits?: Partial<XmlRpcLimits>;
  /** Extra CA certificates (PEM) for https endpoints with a private CA. */
  ca?: string | Buffer;
  headers?: Record<string, string>;
  /** Local address to connect from (multi-homed hosts; tests use 127.0.0.x). */
  localAddress?: string;
}

/**
 * A small XML-RPC client: one HTTP POST per call, response parsed with the same limits as the
 * server. Faults reject with XmlRpcFaultResponse; network/HTTP/XML problems with XmlRpcTransportError
 * (or the parse error), so callers can tell "the server said no" from "could not reach it".
 */
export class XmlRpcClient {
  private readonly url: URL;
  private readonly limits: XmlRpcLimits;

  constructor(private readonly options: XmlRpcClientOptions) {
    this.url = new URL(options.url);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new Error(`XML-RPC URL must be http: or https:, got ${this.url.protocol}`);
    }
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  call(methodName: string, params: readonly XmlRpcValue[] = []): Promise<XmlRpcValue> {
    const body = Buffer.from(serializeCall(methodName, params), 'utf8');
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<XmlRpcValue>((resolve, reject) => {
      const req = send(
        this.url,
        {
          method: 'POST',
          headers: {
            ...this.options.headers,
            'Content-Type': 'text/xml; charset=utf-8',
            'Content-Length': body.length,
            'User-Agent': 'backtrac-xmlrpc',
          },
          ca: this.options.ca,
          localAddress: this.options.localAddress,
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res: IncomingMessage) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new XmlRpcTransportError(`HTTP ${res.statusCode ?? '?'} from ${this.url.origin}`, res.statusCode));
            return;
          }
          parseMethodResponse(res, this.limits).then(resolve, (error: unknown) => {
            res.destroy();
            reject(error);
          });
        },
      );
      req.on('error', (error: Error) => {
        const why = error.name === 'AbortError' || error.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : error.message;
        reject(new XmlRpcTransportError(`${methodName} to ${this.url.origin}: ${why}`, undefined, { cause: error }));
      });
      req.end(body);
    });
  }
}
