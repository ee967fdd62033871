// NEGOTIATE and SESSION_SETUP (MS-SMB2 3.2.4.2, 3.2.5.2/3): dialect and context selection,
// NTLMv2 over SPNEGO, 3.1.1 pre-authentication integrity and key derivation. Each step returns
// what it settled; installing it on the connection is the caller's.
import { createHash, randomBytes } from 'node:crypto';
import type { SmbConnection, SmbResponse } from './connection.js';
import type { CipherName } from './crypto.js';
import { SmbProtocolError, SmbStatusError } from './errors.js';
import { ntlmAuthenticate, ntlmNegotiate, parseNtlmChallenge, spnegoExtractNtlm, spnegoInit, spnegoResponse } from './ntlm.js';
import { Command, Dialect, HEADER_SIZE, HeaderFlags } from './protocol.js';
import { SessionSecurity, type SecurityParameters, type SigningAlgorithm } from './security.js';
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

const CIPHER_IDS: Record<CipherName, number> = { 'aes-128-ccm': 1, 'aes-128-gcm': 2, 'aes-256-ccm': 3, 'aes-256-gcm': 4 };
const SIGNING_IDS: Record<SigningAlgorithm, number> = { 'hmac-sha256': 0, 'aes-cmac': 1, 'aes-gmac': 2 };
const DEFAULT_CIPHERS: CipherName[] = ['aes-128-gcm', 'aes-128-ccm', 'aes-256-gcm', 'aes-256-ccm'];
const DEFAULT_SIGNING_ALGORITHMS: SigningAlgorithm[] = ['aes-gmac', 'aes-cmac', 'hmac-sha256'];

function byId<T extends string>(ids: Record<T, number>, id: number): T | undefined {
  return (Object.keys(ids) as T[]).find((name) => ids[name] === id);
}

export interface NegotiateOptions {
  dialects: number[];
  requireSigning: boolean;
  /** Offer encryption capabilities (the server decides whether to use them). */
  encryption: boolean;
  /** SMB 3.1.1 cipher preference order; default GCM before CCM, 128 before 256. */
  ciphers?: CipherName[];
  /** SMB 3.1.1 signing algorithm preference order; default GMAC, CMAC, HMAC. */
  signingAlgorithms?: SigningAlgorithm[];
}

/** What our NEGOTIATE offered, for FSCTL_VALIDATE_NEGOTIATE_INFO. */
export interface NegotiateOffer {
  capabilities: number;
  guid: Buffer;
  securityMode: number;
  dialects: number[];
}

/** What NEGOTIATE settled with the server. */
export interface Negotiated extends SecurityParameters {
  /** Either side requires every message signed. */
  signingRequired: boolean;
  /** Largest READ, WRITE and transact payloads, capped at 8 MiB. */
  maxReadSize: number;
  maxWriteSize: number;
  maxTransactSize: number;
  serverSecurityMode: number;
  serverCapabilities: number;
  serverGuid: Buffer;
  /** SMB 3.1.1 pre-authentication hash after NEGOTIATE (zeros before 3.1.1). */
  preauthHash: Buffer;
  offer: NegotiateOffer;
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

function sha512(...parts: Buffer[]): Buffer {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
}

export async function negotiate(conn: SmbConnection, o: NegotiateOptions): Promise<Negotiated> {
  const dialects = o.dialects;
  const has311 = dialects.includes(Dialect.SMB3_1_1);
  const fixed = Buffer.alloc(36);
  fixed.writeUInt16LE(36, 0);
  fixed.writeUInt16LE(dialects.length, 2);
  fixed.writeUInt16LE(SECURITY_SIGNING_ENABLED | (o.requireSigning ? SECURITY_SIGNING_REQUIRED : 0), 4);
  fixed.writeUInt32LE(CAP_LARGE_MTU | (o.encryption ? CAP_ENCRYPTION : 0), 8);
  const clientGuid = randomBytes(16);
  clientGuid.copy(fixed, 12);
  const offer: NegotiateOffer = {
    capabilities: fixed.readUInt32LE(8),
    guid: clientGuid,
    securityMode: fixed.readUInt16LE(4),
    dialects: [...dialects],
  };
  const dialectBuf = Buffer.alloc(dialects.length * 2);
  dialects.forEach((d, i) => dialectBuf.writeUInt16LE(d, i * 2));
  const parts: Buffer[] = [fixed, dialectBuf];
  if (has311) {
    const ctxStart = HEADER_SIZE + 36 + dialectBuf.length;
    const padding = (8 - (ctxStart % 8)) % 8;
    fixed.writeUInt32LE(ctxStart + padding, 28);
    const preauth = Buffer.alloc(6);
    preauth.writeUInt16LE(1, 0); // one hash algorithm
    preauth.writeUInt16LE(32, 2); // salt length
    preauth.writeUInt16LE(1, 4); // SHA-512
    const ctxs = [context(CTX_PREAUTH, Buffer.concat([preauth, randomBytes(32)]))];
    if (o.encryption) ctxs.push(context(CTX_ENCRYPTION, u16list((o.ciphers ?? DEFAULT_CIPHERS).map((c) => CIPHER_IDS[c]))));
    ctxs.push(context(CTX_SIGNING, u16list((o.signingAlgorithms ?? DEFAULT_SIGNING_ALGORITHMS).map((a) => SIGNING_IDS[a]))));
    fixed.writeUInt16LE(ctxs.length, 32);
    parts.push(Buffer.alloc(padding));
    ctxs.forEach((c, i) => parts.push(i < ctxs.length - 1 ? pad8(c) : c));
  }
  let sent: Buffer | undefined;
  const res = await conn.request(Command.NEGOTIATE, parts, { plain: true, onSent: (m) => (sent = m) });
  const m = res.msg;
  if (m.length < HEADER_SIZE + 64) throw new SmbProtocolError('truncated NEGOTIATE reply');
  const serverSecurityMode = m.readUInt16LE(66);
  const dialect = m.readUInt16LE(68);
  if (!dialects.includes(dialect)) throw new SmbProtocolError(`server chose dialect 0x${dialect.toString(16)} that was not offered`);
  const serverCapabilities = m.readUInt32LE(88);
  let maxTransactSize = m.readUInt32LE(92);
  let maxReadSize = m.readUInt32LE(96);
  let maxWriteSize = m.readUInt32LE(100);
  if (dialect === Dialect.SMB2_0_2 || !(serverCapabilities & CAP_LARGE_MTU)) {
    maxReadSize = Math.min(maxReadSize, 65536);
    maxWriteSize = Math.min(maxWriteSize, 65536);
    maxTransactSize = Math.min(maxTransactSize, 65536);
  }
  // Our frame limit is 16 MiB; never ask for more than 8 MiB in one message.
  maxReadSize = Math.min(maxReadSize, 8 * 1024 * 1024);
  maxWriteSize = Math.min(maxWriteSize, 8 * 1024 * 1024);
  maxTransactSize = Math.min(maxTransactSize, 8 * 1024 * 1024);
  if (maxReadSize < 4096 || maxWriteSize < 4096) throw new SmbProtocolError('server limits below 4 KiB');
  const negotiated: Negotiated = {
    dialect,
    cipher: undefined,
    signingAlgorithm: 'hmac-sha256',
    signingRequired: o.requireSigning || (serverSecurityMode & SECURITY_SIGNING_REQUIRED) !== 0,
    maxReadSize,
    maxWriteSize,
    maxTransactSize,
    serverSecurityMode,
    serverCapabilities,
    serverGuid: Buffer.from(m.subarray(72, 88)),
    preauthHash: Buffer.alloc(64),
    offer,
  };

  if (dialect === Dialect.SMB3_1_1) {
    negotiated.preauthHash = sha512(sha512(Buffer.alloc(64), sent!), m);
    negotiated.signingAlgorithm = 'aes-cmac';
    Object.assign(negotiated, parseNegotiateContexts(m));
  } else if (dialect >= Dialect.SMB3_0) {
    negotiated.signingAlgorithm = 'aes-cmac';
    if (o.encryption && serverCapabilities & CAP_ENCRYPTION) negotiated.cipher = 'aes-128-ccm';
  }
  return negotiated;
}

/** The cipher and signing algorithm the server chose in a 3.1.1 NEGOTIATE reply's contexts. */
function parseNegotiateContexts(m: Buffer): { cipher?: CipherName; signingAlgorithm?: SigningAlgorithm } {
  const chosen: { cipher?: CipherName; signingAlgorithm?: SigningAlgorithm } = {};
  const count = m.readUInt16LE(70);
  let off = m.readUInt32LE(124);
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
        const c = byId(CIPHER_IDS, id);
        if (!c) throw new SmbProtocolError(`server chose unknown cipher ${id}`);
        chosen.cipher = c;
      }
    } else if (type === CTX_SIGNING && len >= 4) {
      const id = data.readUInt16LE(2);
      const alg = byId(SIGNING_IDS, id);
      if (!alg) throw new SmbProtocolError(`server chose unknown signing algorithm ${id}`);
      chosen.signingAlgorithm = alg;
    }
    off += 8 + len;
  }
  if (!gotPreauth) throw new SmbProtocolError('SMB 3.1.1 reply without pre-auth integrity context');
  return chosen;
}

export interface Credentials {
  username: string;
  password: string;
  domain?: string;
}

/** An authenticated session, ready to be installed on the connection. */
export interface EstablishedSession {
  sessionId: bigint;
  security: SessionSecurity;
  /** The server requires every message of the session encrypted. */
  encryptData: boolean;
}

function sessionSetupBody(token: Buffer, requireSigning: boolean): Buffer[] {
  const fixed = Buffer.alloc(24);
  fixed.writeUInt16LE(25, 0);
  fixed.writeUInt8(0, 2);
  fixed.writeUInt8(SECURITY_SIGNING_ENABLED | (requireSigning ? SECURITY_SIGNING_REQUIRED : 0), 3);
  fixed.writeUInt16LE(HEADER_SIZE + 24, 12);
  fixed.writeUInt16LE(token.length, 14);
  return [fixed, token];
}

function securityBlob(m: Buffer): Buffer {
  if (m.length < HEADER_SIZE + 8) throw new SmbProtocolError('truncated SESSION_SETUP reply');
  const off = m.readUInt16LE(68);
  const len = m.readUInt16LE(70);
  if (off + len > m.length) throw new SmbProtocolError('SESSION_SETUP security buffer out of bounds');
  return m.subarray(off, off + len);
}

/** Authenticate with NTLMv2: both SESSION_SETUP legs and the 3.1.1 pre-authentication hash. */
async function authenticate(
  conn: SmbConnection,
  negotiated: Negotiated,
  creds: Credentials,
  reauth: boolean,
): Promise<{ sessionId: bigint; sessionKey: Buffer; preauthHash: Buffer; final: SmbResponse; sessionFlags: number }> {
  let hash = negotiated.preauthHash;
  const is311 = negotiated.dialect === Dialect.SMB3_1_1;
  const track = (m: Buffer): void => {
    if (is311) hash = sha512(hash, m);
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
  if (m.length < HEADER_SIZE + 8) throw new SmbProtocolError('truncated SESSION_SETUP reply');
  const sessionFlags = m.readUInt16LE(66);
  if (sessionFlags & (SESSION_FLAG_IS_GUEST | SESSION_FLAG_IS_NULL)) {
    throw new SmbStatusError(NtStatus.LOGON_FAILURE, 'SESSION_SETUP', undefined, `(server mapped "${creds.username}" to guest)`);
  }
  return { sessionId: newSessionId, sessionKey: auth.sessionKey, preauthHash: hash, final, sessionFlags };
}

/** Log in: a new session with its keys derived and the server's signature on the final reply checked. */
export async function sessionSetup(conn: SmbConnection, negotiated: Negotiated, creds: Credentials): Promise<EstablishedSession> {
  const { sessionId, sessionKey, preauthHash, final, sessionFlags } = await authenticate(conn, negotiated, creds, false);
  const security = SessionSecurity.derive(negotiated, sessionKey, preauthHash);
  if (final.flags & HeaderFlags.SIGNED) security.verify(final.msg);
  else if (negotiated.signingRequired || negotiated.dialect === Dialect.SMB3_1_1) throw new SmbProtocolError('final SESSION_SETUP reply is not signed');
  const encryptData = (sessionFlags & SESSION_FLAG_ENCRYPT_DATA) !== 0;
  if (encryptData && (!negotiated.cipher || !security.canEncrypt)) throw new SmbProtocolError('server requires encryption but no cipher was negotiated');
  return { sessionId, security, encryptData };
}

/**
 * Re-authenticate an expired session in place: the SessionId and keys are kept, so open handles
 * stay valid.
 */
export async function reauthenticate(conn: SmbConnection, negotiated: Negotiated, creds: Credentials): Promise<void> {
  await authenticate(conn, negotiated, creds, true);
}

const FSCTL_VALIDATE_NEGOTIATE_INFO = 0x00140204;

/**
 * SMB 3.0/3.0.2 downgrade protection (MS-SMB2 3.2.5.5): ask the server, over a signed IOCTL, what
 * it negotiated, and compare with what we saw. 3.1.1 is protected by pre-auth integrity instead.
 */
export async function validateNegotiate(conn: SmbConnection, negotiated: Negotiated, treeId: number): Promise<void> {
  if (negotiated.dialect !== Dialect.SMB3_0 && negotiated.dialect !== Dialect.SMB3_0_2) return;
  const req = negotiated.offer;
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
  fixed.writeUInt32LE(HEADER_SIZE + 56, 24); // InputOffset
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
  if (m.length < HEADER_SIZE + 48) throw new SmbProtocolError('truncated VALIDATE_NEGOTIATE_INFO reply');
  const outOff = m.readUInt32LE(HEADER_SIZE + 32);
  const outLen = m.readUInt32LE(HEADER_SIZE + 36);
  if (outLen < 24 || outOff + 24 > m.length) throw new SmbProtocolError('VALIDATE_NEGOTIATE_INFO output out of bounds');
  const out = m.subarray(outOff, outOff + 24);
  if (
    out.readUInt32LE(0) !== negotiated.serverCapabilities ||
    !out.subarray(4, 20).equals(negotiated.serverGuid) ||
    out.readUInt16LE(20) !== negotiated.serverSecurityMode ||
    out.readUInt16LE(22) !== negotiated.dialect
  ) {
    throw new SmbProtocolError('VALIDATE_NEGOTIATE_INFO mismatch: the negotiation was tampered with');
  }
}
