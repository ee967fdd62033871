import { randomUUID } from 'node:crypto';
import type { WebhookPayload } from './alert-message.js';
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

/** POSTs alert payloads as JSON. A non-2xx answer is an error (the dispatcher records it). */
export class WebhookSenderRepository {
  constructor(private readonly timeoutMs = 10_000) {}

  async post(target: WebhookTarget, payload: WebhookPayload, now: Date = new Date()): Promise<WebhookDelivery> {
    const body = JSON.stringify(payload);
    const deliveryId = randomUUID();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'BackTrac-Alerts/1',
      'x-backtrac-event': payload.type,
      'x-backtrac-delivery': deliveryId,
    };
    if (target.secret) {
      const ts = Math.floor(now.getTime() / 1000);
      headers[TIMESTAMP_HEADER] = String(ts);
      headers[SIGNATURE_HEADER] = signWebhook(target.secret, ts, body);
    }
    let res: Response;
    try {
      res = await fetch(target.url, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new WebhookDeliveryError(`webhook ${target.url} unreachable: ${(err as Error).message}`, null);
    }
    await res.arrayBuffer().catch(() => undefined); // drain so the connection can be reused
    if (!res.ok) throw new WebhookDeliveryError(`webhook ${target.url} answered ${res.status}`, res.status);
    return { status: res.status, deliveryId };
  }
}
