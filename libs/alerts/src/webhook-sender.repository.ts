import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookPayload } from './alert-message.js';
import { checkWebhookHost, publicOnlyLookup, WebhookAddressError } from './webhook-address.js';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook-signature.js';

export interface WebhookTarget {
  url: string;
  /** When set, every delivery carries an HMAC-SHA256 signature of timestamp and body. */
  secret: string | null;
}

export interface WebhookDelivery {
  status: number;
  deliveryId: string;
}

export class WebhookDeliveryError extends Error {
  readonly code = 'WEBHOOK_FAILED';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

/**
 * POSTs alert payloads as JSON. A non-2xx answer is an error (the dispatcher records it), and so
 * is a redirect. Internal addresses are refused unless `allowPrivateAddresses`.
 */
export class WebhookSenderRepository {
  constructor(
    private readonly timeoutMs = 10_000,
    private readonly allowPrivateAddresses = false,
  ) {}

  async post(target: WebhookTarget, payload: WebhookPayload, now: Date = new Date()): Promise<WebhookDelivery> {
    const body = JSON.stringify(payload);
    const deliveryId = randomUUID();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'BackTrac-Alerts/1',
      'x-backtrac-event': payload.type,
      'x-backtrac-delivery': deliveryId,
    };
    if (target.secret) {
      const ts = Math.floor(now.getTime() / 1000);
      headers[TIMESTAMP_HEADER] = String(ts);
      headers[SIGNATURE_HEADER] = signWebhook(target.secret, ts, body);
    }
    let status: number;
    try {
      const url = new URL(target.url);
      checkWebhookHost(url, this.allowPrivateAddresses);
      status = await this.send(url, headers, body);
    } catch (err) {
      const reason = err instanceof WebhookAddressError ? err.message : (err as Error).message;
      throw new WebhookDeliveryError(`webhook ${target.url} unreachable: ${reason}`, null);
    }
    if (status < 200 || status > 299) throw new WebhookDeliveryError(`webhook ${target.url} answered ${status}`, status);
    return { status, deliveryId };
  }

  private send(url: URL, headers: Record<string, string>, body: string): Promise<number> {
    const request = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : null;
    if (!request) return Promise.reject(new Error(`unsupported protocol ${url.protocol}`));
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', headers, lookup: publicOnlyLookup(this.allowPrivateAddresses), signal: AbortSignal.timeout(this.timeoutMs) }, (res) => {
        res.resume(); // drain so the socket is released
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
