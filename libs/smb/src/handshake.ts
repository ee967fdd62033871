// NEGOTIATE and SESSION_SETUP (MS-SMB2 3.2.4.2, 3.2.5.2/3): dialect and context selection,
// NTLMv2 over SPNEGO, 3.1.1 pre-authentication integrity and key derivation.
import { randomBytes } from 'node:crypto';
import { SmbConnection } from './connection.js';
import type { CipherName } from './crypto.js';
import { SmbProtocolError, SmbStatusError } from './errors.js';
import { ntlmAuthenticate, ntlmNegotiate, parseNtlmChallenge, spnegoExtractNtlm, spnegoInit, spnegoResponse } from './ntlm.js';
import { Command, Dialect, HeaderFlags } from './protocol.js';
import { NtStatus } from './status.js';

const SECURITY_SIGNING_ENABLED = 1;
const SECURITY_SIGNING_REQUIRED = 2;
const CAP_LARGE_MTU = 0x4;
const CAP_ENCRYPTION = 0x40;
const SESSION_FLAG_IS_GUEST = 1;
const SESSION_FLAG_IS_NULL = 2;
const SESSION_FLAG_ENCRYPT_DATA = 4;

const CTX_PREAUTH = 1;
const CTX_ENCRYPTION = 2;
const CTX_SIGNING = 8;

const cipherIds: Record<number, CipherName> = { 1: 'aes-128-ccm', 2: 'aes-128-gcm', 3: 'aes-256-ccm', 4: 'aes-256-gcm' };
const signingIds = { 0: 'hmac-sha256', 1: 'aes-cmac', 2: 'aes-gmac' } as const;

export interface NegotiateOptions {
  dialects: number[];
  requireSigning: boolean;
  /** Offer encryption capabilities (the server decides whether to use them). */
  encryption: boolean;
  /** Cipher preference order (ids 1..4); default GCM before CCM, 128 before 256. */
  ciphers?: number[];
  signingAlgorithms?: number[];
}

function context(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(type, 0);
  h.writeUInt16LE(data.length, 2);
  return Buffer.concat([h, data]);
}

function pad8(b: Buffer): Buffer {
  const rem = b.length % 8;
  return rem ? Buffer.concat([b, Buffer.alloc(8 - rem)]) : b;
}

function u16list(values: number[]): Buffer {
  const b = Buffer.alloc(2 + values.length * 2);
  b.writeUInt16LE(values.length, 0);
  values.forEach((v, i) => b.writeUInt16LE(v, 2 + i * 2));
  return b;
}

export async function negotiate(conn: SmbConnection, o: NegotiateOptions): Promise<void> {
  const dialects = o.dialects;
  const has311 = dialects.includes(Dialect.SMB3_1_1);
  const fixed = Buffer.alloc(36);
  fixed.writeUInt16LE(36, 0);
  fixed.writeUInt16LE(dialects.length, 2);
  fixed.writeUInt16LE(SECURITY_SIGNING_ENABLED | (o.requireSigning ? SECURITY_SIGNING_REQUIRED : 0), 4);
  fixed.writeUInt32LE(CAP_LARGE_MTU | (o.encryption ? CAP_ENCRYPTION : 0), 8);
  const clientGuid = randomBytes(16);
  clientGuid.copy(fixed, 12);
  conn.negotiateRequest = {
    capabilities: fixed.readUInt32LE(8),
    guid: clientGuid,
    securityMode: fixed.readUInt16LE(4),
    dialects: [...dialects],
  };
  const dialectBuf = Buffer.alloc(dialects.length * 2);
  dialects.forEach((d, i) => dialectBuf.writeUInt16LE(d, i * 2));
  const parts: Buffer[] = [fixed, dialectBuf];
  if (has311) {
    const ctxStart = 64 + 36 + dialectBuf.length;
    const padding = (8 - (ctxStart % 8)) % 8;
    fixed.writeUInt32LE(ctxStart + padding, 28);
    const preauth = Buffer.alloc(6);
    preauth.writeUInt16LE(1, 0); // one hash algorithm
    preauth.writeUInt16LE(32, 2); // salt length
    preauth.writeUInt16LE(1, 4); // SHA-512
    const ctxs = [context(CTX_PREAUTH, Buffer.concat([preauth, randomBytes(32)]))];
    if (o.encryption) ctxs.push(context(CTX_ENCRYPTION, u16list(o.ciphers ?? [2, 1, 4, 3])));
    ctxs.push(context(CTX_SIGNING, u16list(o.signingAlgorithms ?? [2, 1, 0])));
    fixed.writeUInt16LE(ctxs.length, 32);
    parts.push(Buffer.alloc(padding));
    ctxs.forEach((c, i) => parts.push(i < ctxs.length - 1 ? pad8(c) : c));
  }
  let sent: Buffer | undefined;
  const res = await conn.request(Command.NEGOTIATE, parts, { plain: true, onSent: (m) => (sent = m) });
  const m = res.msg;
  if (m.length < 64 + 64) throw new SmbProtocolError('truncated NEGOTIATE reply');
  conn.serverSecurityMode = m.readUInt16LE(66);
  const dialect = m.readUInt16LE(68);
  if (!dialects.includes(dialect)) throw new SmbProtocolError(`server chose dialect 0x${dialect.toString(16)} that was not offered`);
  conn.dialect = dialect;
  conn.serverCapabilities = m.readUInt32LE(88);
  conn.serverGuid = Buffer.from(m.subarray(72, 88));
  conn.maxTransactSize = m.readUInt32LE(92);
  conn.maxReadSize = m.readUInt32LE(96);
  conn.maxWriteSize = m.readUInt32LE(100);
  if (dialect === Dialect.SMB2_0_2 || !(conn.serverCapabilities & CAP_LARGE_MTU)) {
    conn.maxReadSize = Math.min(conn.maxReadSize, 65536);
    conn.maxWriteSize = Math.min(conn.maxWriteSize, 65536);
    conn.maxTransactSize = Math.min(conn.maxTransactSize, 65536);
  }
  // Our frame limit is 16 MiB; never ask for more than 8 MiB in one message.
  conn.maxReadSize = Math.min(conn.maxReadSize, 8 * 1024 * 1024);
  conn.maxWriteSize = Math.min(conn.maxWriteSize, 8 * 1024 * 1024);
  conn.maxTransactSize = Math.min(conn.maxTransactSize, 8 * 1024 * 1024);
  if (conn.maxReadSize < 4096 || conn.maxWriteSize < 4096) throw new SmbProtocolError('server limits below 4 KiB');
  const secOff = m.readUInt16LE(120);
  const secLen = m.readUInt16LE(122);
  if (secLen && secOff + secLen <= m.length) conn.negotiateToken = Buffer.from(m.subarray(secOff, secOff + secLen));
  conn.signingRequired = o.requireSigning || (conn.serverSecurityMode & SECURITY_SIGNING_REQUIRED) !== 0;

  if (dialect === Dialect.SMB3_1_1) {
    conn.preauthHash = SmbConnection.sha512(SmbConnection.sha512(Buffer.alloc(64), sent!), m);
    const count = m.readUInt16LE(70);
    let off = m.readUInt32LE(124);
    conn.signingAlgorithm = 'aes-cmac';
    let gotPreauth = false;
    for (let i = 0; i < count; i++) {
      off = (off + 7) & ~7;
      if (off + 8 > m.length) throw new SmbProtocolError('truncated negotiate context');
      const type = m.readUInt16LE(off);
      const len = m.readUInt16LE(off + 2);
      const data = m.subarray(off + 8, off + 8 + len);
      if (data.length !== len) throw new SmbProtocolError('truncated negotiate context');
      if (type === CTX_PREAUTH) {
        if (len < 6 || data.readUInt16LE(0) !== 1 || data.readUInt16LE(4) !== 1) throw new SmbProtocolError('server did not select SHA-512 pre-auth integrity');
        gotPreauth = true;
      } else if (type === CTX_ENCRYPTION && len >= 4) {
        const id = data.readUInt16LE(2);
        if (id !== 0) {
          const c = cipherIds[id];
          if (!c) throw new SmbProtocolError(`server chose unknown cipher ${id}`);
          conn.cipher = c;
        }
      } else if (type === CTX_SIGNING && len >= 4) {
        const id = data.readUInt16LE(2) as 0 | 1 | 2;
        const alg = signingIds[id];
        if (!alg) throw new SmbProtocolError(`server chose unknown signing algorithm ${id}`);
        conn.signingAlgorithm = alg;
      }
      off += 8 + len;
    }
    if (!gotPreauth) throw new SmbProtocolError('SMB 3.1.1 reply without pre-auth integrity context');
  } else if (dialect >= Dialect.SMB3_0) {
    conn.signingAlgorithm = 'aes-cmac';
    if (o.encryption && conn.serverCapabilities & CAP_ENCRYPTION) conn.cipher = 'aes-128-ccm';
  } else {
    conn.signingAlgorithm = 'hmac-sha256';
  }
}

export interface Credentials {
  username: string;
  password: string;
  domain?: string;
}

export interface SessionSetupResult {
  sessionKey: Buffer;
  guest: boolean;
}

function sessionSetupBody(token: Buffer, requireSigning: boolean): Buffer[] {
  const fixed = Buffer.alloc(24);
  fixed.writeUInt16LE(25, 0);
  fixed.writeUInt8(0, 2);
  fixed.writeUInt8(SECURITY_SIGNING_ENABLED | (requireSigning ? SECURITY_SIGNING_REQUIRED : 0), 3);
  fixed.writeUInt16LE(64 + 24, 12);
  fixed.writeUInt16LE(token.length, 14);
  return [fixed, token];
}

function securityBlob(m: Buffer): Buffer {
  if (m.length < 64 + 8) throw new SmbProtocolError('truncated SESSION_SETUP reply');
  const off = m.readUInt16LE(68);
  const len = m.readUInt16LE(70);
  if (off + len > m.length) throw new SmbProtocolError('SESSION_SETUP security buffer out of bounds');
  return m.subarray(off, off + len);
}

/**
 * Authenticate with NTLMv2. With `reauth` the existing SessionId is kept (an expired session is
 * re-authenticated in place, keys unchanged, open handles stay valid).
 */
export async function sessionSetup(conn: SmbConnection, creds: Credentials, reauth = false): Promise<SessionSetupResult> {
  let hash = conn.preauthHash;
  const is311 = conn.dialect === Dialect.SMB3_1_1;
  const track = (m: Buffer): void => {
    if (is311) hash = SmbConnection.sha512(hash, m);
  };
  const sessionId = reauth ? conn.sessionId : 0n;
  const first = await conn.request(Command.SESSION_SETUP, sessionSetupBody(spnegoInit(ntlmNegotiate()), conn.signingRequired), {
    plain: !reauth,
    sessionId,
    okStatuses: [NtStatus.MORE_PROCESSING_REQUIRED],
    onSent: track,
    path: creds.username,
  });
  if (first.status !== NtStatus.MORE_PROCESSING_REQUIRED) throw new SmbProtocolError('SESSION_SETUP did not ask for the NTLM challenge');
  track(first.msg);
  const newSessionId = first.sessionId;
  const { ntlm } = spnegoExtractNtlm(securityBlob(first.msg));
  if (!ntlm) throw new SmbProtocolError('SESSION_SETUP reply without an NTLM challenge');
  const challenge = parseNtlmChallenge(ntlm);
  const domain = creds.domain ?? '';
  const auth = ntlmAuthenticate(challenge, creds.username, creds.password, domain);
  let final;
  try {
    final = await conn.request(Command.SESSION_SETUP, sessionSetupBody(spnegoResponse(auth.message), conn.signingRequired), {
      plain: !reauth,
      sessionId: newSessionId,
      onSent: track,
      path: creds.username,
    });
  } catch (err) {
    if (err instanceof SmbStatusError) {
      throw new SmbStatusError(err.status, 'SESSION_SETUP', undefined, `(user "${domain ? domain + '\\' : ''}${creds.username}")`);
    }
    throw err;
  }
  const m = final.msg;
  if (m.length < 64 + 8) throw new SmbProtocolError('truncated SESSION_SETUP reply');
  const flags = m.readUInt16LE(66);
  if (flags & (SESSION_FLAG_IS_GUEST | SESSION_FLAG_IS_NULL)) {
    throw new SmbStatusError(NtStatus.LOGON_FAILURE, 'SESSION_SETUP', undefined, `(server mapped "${creds.username}" to guest)`);
  }
  if (!reauth) {
    conn.sessionId = newSessionId;
    const keys = conn.deriveKeys(auth.sessionKey, hash);
    if (final.flags & HeaderFlags.SIGNED) conn.verify(m, keys);
    else if (conn.signingRequired || is311) throw new SmbProtocolError('final SESSION_SETUP reply is not signed');
    conn.keys = keys;
    if (flags & SESSION_FLAG_ENCRYPT_DATA) {
      if (!conn.cipher || !keys.encryptionKey) throw new SmbProtocolError('server requires encryption but no cipher was negotiated');
      conn.encryptData = true;
    }
  }
  return { sessionKey: auth.sessionKey, guest: false };
}

const FSCTL_VALIDATE_NEGOTIATE_INFO = 0x00140204;

/**
 * SMB 3.0/3.0.2 downgrade protection (MS-SMB2 3.2.5.5): ask the server, over a signed IOCTL, what
 * it negotiated, and compare with what we saw. 3.1.1 is protected by pre-auth integrity instead.
 */
export async function validateNegotiate(conn: SmbConnection, treeId: number): Promise<void> {
  const req = conn.negotiateRequest;
  if (!req || (conn.dialect !== Dialect.SMB3_0 && conn.dialect !== Dialect.SMB3_0_2)) return;
  const input = Buffer.alloc(24 + req.dialects.length * 2);
  input.writeUInt32LE(req.capabilities, 0);
  req.guid.copy(input, 4);
  input.writeUInt16LE(req.securityMode, 20);
  input.writeUInt16LE(req.dialects.length, 22);
  req.dialects.forEach((d, i) => input.writeUInt16LE(d, 24 + i * 2));
  const fixed = Buffer.alloc(56);
  fixed.writeUInt16LE(57, 0);
  fixed.writeUInt32LE(FSCTL_VALIDATE_NEGOTIATE_INFO, 4);
  fixed.fill(0xff, 8, 24); // FileId: none
  fixed.writeUInt32LE(64 + 56, 24); // InputOffset
  fixed.writeUInt32LE(input.length, 28);
  fixed.writeUInt32LE(24, 44); // MaxOutputResponse
  fixed.writeUInt32LE(1, 48); // SMB2_0_IOCTL_IS_FSCTL
  const saved = conn.signingRequired;
  conn.signingRequired = true; // this request and its reply must be signed
  let res;
  try {
    res = await conn.request(Command.IOCTL, [fixed, input], { treeId });
  } finally {
    conn.signingRequired = saved;
  }
  const m = res.msg;
  if (m.length < 64 + 48) throw new SmbProtocolError('truncated VALIDATE_NEGOTIATE_INFO reply');
  const outOff = m.readUInt32LE(64 + 32);
  const outLen = m.readUInt32LE(64 + 36);
  if (outLen < 24 || outOff + 24 > m.length) throw new SmbProtocolError('VALIDATE_NEGOTIATE_INFO output out of bounds');
  const out = m.subarray(outOff, outOff + 24);
  if (
    out.readUInt32LE(0) !== conn.serverCapabilities ||
    !out.subarray(4, 20).equals(conn.serverGuid) ||
    out.readUInt16LE(20) !== conn.serverSecurityMode ||
    out.readUInt16LE(22) !== conn.dialect
  ) {
    throw new SmbProtocolError('VALIDATE_NEGOTIATE_INFO mismatch: the negotiation was tampered with');
  }
}
