import { createHash } from 'node:crypto';

/**
 * Client names are data. Most are stored verbatim; a name Linux cannot hold, or one that could be
 * confused with our own bookkeeping, is stored under a deterministic escaped name and its true
 * spelling lives only in the manifest.
 */
export const ESCAPE_PREFIX = '~BT~';
/** Directory inside every snapshot that holds the manifest; a client entry of that name is escaped. */
export const META_DIR = '.backtrac';
const NAME_MAX_BYTES = 255;
const HASH_CHARS = 32;

export function needsEncoding(name: string): boolean {
  return (
    name === '' ||
    name === '.' ||
    name === '..' ||
    name === META_DIR ||
    name.includes('/') ||
    name.includes('\0') ||
    name.startsWith(ESCAPE_PREFIX) ||
    !name.isWellFormed() ||
    Buffer.byteLength(name, 'utf8') > NAME_MAX_BYTES
  );
}

/** The on-disk name for one client name component; always a single safe Linux path component. */
export function encodeName(name: string): string {
  if (!needsEncoding(name)) return name;
  // UTF-16 code units keep lone surrogates distinct, which UTF-8 would fold into U+FFFD.
  const digest = createHash('sha256').update(Buffer.from(name, 'utf16le')).digest('hex').slice(0, HASH_CHARS);
  const head = `${ESCAPE_PREFIX}${digest}~`;
  return head + readableHint(name, NAME_MAX_BYTES - Buffer.byteLength(head));
}

/** A human hint of the original name for admins browsing the store; never parsed back. */
function readableHint(name: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of name.toWellFormed()) {
    const safe = ch === '/' || ch < ' ' || ch === '\x7f' ? '_' : ch;
    const len = Buffer.byteLength(safe, 'utf8');
    if (bytes + len > maxBytes) break;
    out += safe;
    bytes += len;
  }
  return out;
}

/** Relative on-disk path (POSIX) for a list of client name components. */
export function encodePath(segments: readonly string[]): string {
  return segments.map(encodeName).join('/');
}

/** Display path: components joined by '/'. Ambiguous only when a component itself holds '/'. */
export function displayPath(segments: readonly string[]): string {
  return segments.join('/');
}

export function isAmbiguous(segments: readonly string[]): boolean {
  return segments.some((s) => s.includes('/'));
}

/**
 * Total order of paths used by walks and manifests: component by component, UTF-16 code units.
 * A directory sorts immediately before its own descendants (pre-order of a sorted tree walk).
 */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

export function compareNames(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** True when a name can be created verbatim in a local Linux directory (restore targets). */
export function isLinuxSafeName(name: string): boolean {
  return (
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\0') &&
    name.isWellFormed() &&
    Buffer.byteLength(name, 'utf8') <= 255
  );
}
