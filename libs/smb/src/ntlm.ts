// NTLMv2 authentication (MS-NLMP) wrapped in SPNEGO (RFC 4178). NTLMv1 and LM are never sent.
import { randomBytes } from 'node:crypto';
import { hmacMd5, rc4 } from './crypto.js';
import { SmbProtocolError } from './errors.js';
import { md4 } from './md4.js';

const NTLMSSP = Buffer.from('NTLMSSP\0', 'latin1');
const NTLMSSP_OID = '1.3.6.1.4.1.311.2.2.10';
const SPNEGO_OID = '1.3.6.1.5.5.2';

export const NTLM_FLAGS = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const;

const CLIENT_FLAGS =
  NTLM_FLAGS.UNICODE |
  NTLM_FLAGS.REQUEST_TARGET |
  NTLM_FLAGS.SIGN |
  NTLM_FLAGS.NTLM |
  NTLM_FLAGS.ALWAYS_SIGN |
  NTLM_FLAGS.EXTENDED_SESSIONSECURITY |
  NTLM_FLAGS.TARGET_INFO |
  NTLM_FLAGS.N128 |
  NTLM_FLAGS.KEY_EXCH |
  NTLM_FLAGS.N56;

export function ntlmNegotiate(): Buffer {
  const b = Buffer.alloc(32);
  NTLMSSP.copy(b, 0);
  b.writeUInt32LE(1, 8);
  b.writeUInt32LE(CLIENT_FLAGS >>> 0, 12);
  // Domain and workstation fields stay empty (offset 32, length 0).
  b.writeUInt32LE(32, 20);
  b.writeUInt32LE(32, 28);
  return b;
}

export interface NtlmChallenge {
  flags: number;
  serverChallenge: Buffer;
  targetInfo: Buffer;
  timestamp?: Buffer;
}

export function parseNtlmChallenge(msg: Buffer): NtlmChallenge {
  if (msg.length < 48 || !msg.subarray(0, 8).equals(NTLMSSP) || msg.readUInt32LE(8) !== 2) {
    throw new SmbProtocolError('invalid NTLM CHALLENGE message');
  }
  const flags = msg.readUInt32LE(20);
  const serverChallenge = Buffer.from(msg.subarray(24, 32));
  const tiLen = msg.readUInt16LE(40);
  const tiOff = msg.readUInt32LE(44);
  if (tiOff + tiLen > msg.length) throw new SmbProtocolError('invalid NTLM CHALLENGE target info');
  const targetInfo = Buffer.from(msg.subarray(tiOff, tiOff + tiLen));
  let timestamp: Buffer | undefined;
  for (let off = 0; off + 4 <= targetInfo.length; ) {
    const id = targetInfo.readUInt16LE(off);
    const len = targetInfo.readUInt16LE(off + 2);
    if (id === 0) break;
    if (id === 7 && len === 8 && off + 12 <= targetInfo.length) timestamp = Buffer.from(targetInfo.subarray(off + 4, off + 12));
    off += 4 + len;
  }
  return { flags, serverChallenge, targetInfo, timestamp };
}

export function ntHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

export function ntowfV2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(ntHash(password), Buffer.from(user.toUpperCase() + domain, 'utf16le'));
}

function fileTimeNow(): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(Date.now()) * 10000n + 116444736000000000n);
  return b;
}

export interface NtlmAuthResult {
  message: Buffer;
  sessionKey: Buffer;
}

export function ntlmAuthenticate(
  challenge: NtlmChallenge,
  user: string,
  password: string,
  domain: string,
  workstation = '',
  clientChallenge: Buffer = randomBytes(8),
  exportedSessionKey: Buffer = randomBytes(16),
): NtlmAuthResult {
  const responseKey = ntowfV2(password, user, domain);
  const timestamp = challenge.timestamp ?? fileTimeNow();
  const temp = Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    timestamp,
    clientChallenge,
    Buffer.alloc(4),
    challenge.targetInfo,
    Buffer.alloc(4),
  ]);
  const ntProof = hmacMd5(responseKey, challenge.serverChallenge, temp);
  const ntResponse = Buffer.concat([ntProof, temp]);
  // With a server timestamp present, MS-NLMP says the LMv2 response is 24 zero bytes.
  const lmResponse = challenge.timestamp
    ? Buffer.alloc(24)
    : Buffer.concat([hmacMd5(responseKey, challenge.serverChallenge, clientChallenge), clientChallenge]);
  const sessionBaseKey = hmacMd5(responseKey, ntProof);
  const keyExch = (challenge.flags & NTLM_FLAGS.KEY_EXCH) !== 0;
  const sessionKey = keyExch ? exportedSessionKey : sessionBaseKey;
  const encryptedKey = keyExch ? rc4(sessionBaseKey, exportedSessionKey) : Buffer.alloc(0);
  const flags = (CLIENT_FLAGS & (challenge.flags | NTLM_FLAGS.UNICODE)) >>> 0;

  const domainB = Buffer.from(domain, 'utf16le');
  const userB = Buffer.from(user, 'utf16le');
  const wsB = Buffer.from(workstation, 'utf16le');
  const fields = [lmResponse, ntResponse, domainB, userB, wsB, encryptedKey];
  const headerLen = 64;
  const header = Buffer.alloc(headerLen);
  NTLMSSP.copy(header, 0);
  header.writeUInt32LE(3, 8);
  let off = headerLen;
  const fieldPos = [12, 20, 28, 36, 44, 52];
  fields.forEach((f, i) => {
    const pos = fieldPos[i]!;
    header.writeUInt16LE(f.length, pos);
    header.writeUInt16LE(f.length, pos + 2);
    header.writeUInt32LE(off, pos + 4);
    off += f.length;
  });
  header.writeUInt32LE(flags, 60);
  return { message: Buffer.concat([header, ...fields]), sessionKey: Buffer.from(sessionKey) };
}

// ---- minimal DER for SPNEGO ----

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const enc: number[] = [p & 0x7f];
    let v = p >> 7;
    while (v > 0) {
      enc.unshift((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out.push(...enc);
  }
  return der(0x06, Buffer.from(out));
}

/** SPNEGO NegTokenInit carrying an NTLM NEGOTIATE message, offering NTLMSSP only. */
export function spnegoInit(ntlmMessage: Buffer): Buffer {
  const mechTypes = der(0xa0, der(0x30, oid(NTLMSSP_OID)));
  const mechToken = der(0xa2, der(0x04, ntlmMessage));
  return der(0x60, oid(SPNEGO_OID), der(0xa0, der(0x30, mechTypes, mechToken)));
}

/** SPNEGO NegTokenResp carrying the NTLM AUTHENTICATE message. */
export function spnegoResponse(ntlmMessage: Buffer): Buffer {
  return der(0xa1, der(0x30, der(0xa2, der(0x04, ntlmMessage))));
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(buf: Buffer, off: number, limit: number): Tlv {
  if (off + 2 > limit) throw new SmbProtocolError('truncated SPNEGO token');
  const tag = buf[off]!;
  let len = buf[off + 1]!;
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new SmbProtocolError('invalid SPNEGO length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  if (start + len > limit) throw new SmbProtocolError('truncated SPNEGO token');
  return { tag, start, end: start + len };
}

/**
 * Find the NTLM message inside a SPNEGO token: the first OCTET STRING whose contents start with the
 * NTLMSSP signature (responseToken of NegTokenResp or mechToken of NegTokenInit). Also returns the
 * negResult when present (2 = reject).
 */
export function spnegoExtractNtlm(token: Buffer): { ntlm?: Buffer; negResult?: number } {
  if (token.subarray(0, 8).equals(NTLMSSP)) return { ntlm: token };
  const result: { ntlm?: Buffer; negResult?: number } = {};
  const walk = (start: number, end: number, depth: number): void => {
    if (depth > 10) return;
    let off = start;
    while (off < end) {
      const t = readTlv(token, off, end);
      const constructed = (t.tag & 0x20) !== 0;
      if (t.tag === 0x04) {
        const content = token.subarray(t.start, t.end);
        if (!result.ntlm && content.subarray(0, 8).equals(NTLMSSP)) result.ntlm = Buffer.from(content);
      } else if (t.tag === 0x0a && t.end - t.start === 1 && result.negResult === undefined) {
        result.negResult = token[t.start];
      } else if (constructed) {
        // [APPLICATION 0] of NegTokenInit starts with the OID, which readTlv skips like any primitive.
        walk(t.start, t.end, depth + 1);
      }
      off = t.end;
    }
  };
  walk(0, token.length, 0);
  return result;
}
