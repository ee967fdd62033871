import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where a webhook may not go unless an admin allows it (WEBHOOK_ALLOW_PRIVATE_ADDRESSES): this
 * host, its neighbours and cloud metadata endpoints. Otherwise anyone who may edit alert settings
 * could make the server probe or call services only it can reach.
 */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) internal.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32]] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

/** True for loopback, private, link-local (cloud metadata included), CGNAT, multicast and reserved addresses. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return internal.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? internal.check(mapped[1]!, 'ipv4') : internal.check(address, 'ipv6');
}

export class WebhookAddressError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';
  constructor(host: string, address: string) {
    super(`webhook host ${host} is (or resolves to) the internal address ${address}; set WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true to allow it`);
    this.name = 'WebhookAddressError';
  }
}

/** Refuses a URL whose host is an internal IP literal (names are checked when they are resolved). */
export function checkWebhookHost(url: URL, allowPrivate: boolean): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) !== 0 && isInternalAddress(host)) throw new WebhookAddressError(host, host);
}

/**
 * A DNS lookup for the HTTP client that refuses internal addresses. The connection then goes to
 * the very address checked here, so a name cannot resolve to a public address for the check and
 * to an internal one for the request.
 */
export function publicOnlyLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((a) => isInternalAddress(a.address));
      if (refused) return callback(new WebhookAddressError(hostname, refused.address), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
