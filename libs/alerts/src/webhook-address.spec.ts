import { describe, expect, it } from 'vitest';
import { checkWebhookHost, isInternalAddress, publicOnlyLookup, WebhookAddressError } from './webhook-address.js';

describe('webhook address policy', () => {
  it.each(['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip'])(
    'treats %s as internal',
    (address) => expect(isInternalAddress(address)).toBe(true),
  );

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('treats %s as public', (address) => expect(isInternalAddress(address)).toBe(false));

  it('refuses internal IP literals in URLs unless allowed', () => {
    expect(() => checkWebhookHost(new URL('http://127.0.0.1:8080/x'), false)).toThrow(WebhookAddressError);
    expect(() => checkWebhookHost(new URL('http://[::1]/x'), false)).toThrow(/internal address ::1/);
    expect(() => checkWebhookHost(new URL('http://169.254.169.254/latest/meta-data'), false)).toThrow(/WEBHOOK_ALLOW_PRIVATE_ADDRESSES/);
    expect(() => checkWebhookHost(new URL('http://127.0.0.1/x'), true)).not.toThrow();
    expect(() => checkWebhookHost(new URL('https://hooks.example.com/x'), false)).not.toThrow();
  });

  it('refuses a name that resolves to an internal address', async () => {
    const lookup = publicOnlyLookup(false);
    const result = await new Promise<unknown>((resolve) => lookup('localhost', {}, (error, address) => resolve(error ?? address)));
    expect(result).toBeInstanceOf(WebhookAddressError);
    const allowed = await new Promise<unknown>((resolve) => publicOnlyLookup(true)('localhost', {}, (error, address) => resolve(error ?? address)));
    expect(String(allowed)).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});
