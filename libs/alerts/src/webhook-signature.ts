import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-backtrac-signature';
export const TIMESTAMP_HEADER = 'x-backtrac-timestamp';

/**
 * HMAC-SHA256 over "<unix seconds>.<raw body>", hex, as "sha256=<hex>". Signing the timestamp
 * lets a receiver reject replays of an old delivery.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers (and tests): constant-time check, with a replay window. */
export function verifyWebhook(secret: string, signature: string | undefined, timestamp: string | undefined, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  const ts = Number(timestamp);
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
