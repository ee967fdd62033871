// The keys of an authenticated session and what is done with them: signing and verifying
// messages (MS-SMB2 3.1.4.1), encrypting and decrypting transform frames (3.1.4.3), and deriving
// the keys from the NTLM session key (3.2.5.3.1).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { aeadDecrypt, aeadEncrypt, aesCmac, smbKdf, type CipherName } from './crypto.js';
import { SmbProtocolError } from './errors.js';
import { Command, commandNames, Dialect } from './protocol.js';

export type SigningAlgorithm = 'hmac-sha256' | 'aes-cmac' | 'aes-gmac';

export const TRANSFORM_HEADER_SIZE = 52;
export const PROTOCOL_TRANSFORM = 0x424d53fd; // \xFD S M B read as LE uint32

export interface SessionKeys {
  signingKey: Buffer;
  encryptionKey?: Buffer; // client → server
  decryptionKey?: Buffer; // server → client
}

/** What key derivation and the message protection depend on, as negotiated. */
export interface SecurityParameters {
  dialect: number;
  cipher: CipherName | undefined;
  signingAlgorithm: SigningAlgorithm;
}

export class SessionSecurity {
  constructor(
    readonly keys: SessionKeys,
    private readonly signingAlgorithm: SigningAlgorithm,
    private readonly cipher: CipherName | undefined,
  ) {}

  /** The keys for `sessionKey`; `preauthHash` is the 3.1.1 pre-authentication hash of the setup. */
  static derive(params: SecurityParameters, sessionKey: Buffer, preauthHash: Buffer): SessionSecurity {
    return new SessionSecurity(deriveKeys(params, sessionKey, preauthHash), params.signingAlgorithm, params.cipher);
  }

  /** Whether outgoing messages can be encrypted (SMB 3.x with a negotiated cipher). */
  get canEncrypt(): boolean {
    return this.keys.encryptionKey !== undefined;
  }

  /** Sign a request in place: `header` is the 64-byte SMB2 header, `parts` the rest of the message. */
  sign(header: Buffer, parts: readonly Buffer[], messageId: bigint, command: number): void {
    header.fill(0, 48, 64);
    const sig = this.signature([header, ...parts], messageId, false, command === Command.CANCEL);
    sig.copy(header, 48);
  }

  /** Check the signature of a signed reply. */
  verify(msg: Buffer): void {
    const expected = Buffer.from(msg.subarray(48, 64));
    const copy = Buffer.from(msg);
    copy.fill(0, 48, 64);
    const actual = this.signature([copy], msg.readBigUInt64LE(24), true, false);
    if (!timingSafeEqual(expected, actual)) {
      throw new SmbProtocolError(`bad signature on ${commandNames[msg.readUInt16LE(12)]} reply`);
    }
  }

  /** The transform header and ciphertext that carry `message` (one or more SMB2 messages). */
  encrypt(message: readonly Buffer[], sessionId: bigint): Buffer[] {
    const size = message.reduce((n, b) => n + b.length, 0);
    const th = Buffer.alloc(TRANSFORM_HEADER_SIZE);
    th.writeUInt32LE(PROTOCOL_TRANSFORM, 0);
    const nonce = randomBytes(this.nonceSize());
    nonce.copy(th, 20);
    th.writeUInt32LE(size, 36);
    th.writeUInt16LE(1, 42); // Flags: encrypted (3.1.1) / EncryptionAlgorithm AES-128-CCM (3.0)
    th.writeBigUInt64LE(sessionId, 44);
    const { data, tag } = aeadEncrypt(this.cipher!, this.keys.encryptionKey!, nonce, th.subarray(20), message);
    tag.copy(th, 4);
    return [th, data];
  }

  /** The SMB2 message(s) inside a transform frame. */
  decrypt(frame: Buffer): Buffer {
    const key = this.keys.decryptionKey;
    if (!key || !this.cipher) throw new SmbProtocolError('encrypted message on a connection without keys');
    const size = frame.readUInt32LE(36);
    if (size !== frame.length - TRANSFORM_HEADER_SIZE) throw new SmbProtocolError('transform header size mismatch');
    const nonce = frame.subarray(20, 20 + this.nonceSize());
    try {
      return aeadDecrypt(this.cipher, key, nonce, frame.subarray(20, TRANSFORM_HEADER_SIZE), frame.subarray(TRANSFORM_HEADER_SIZE), frame.subarray(4, 20));
    } catch {
      throw new SmbProtocolError('decryption of a reply failed (bad key or tampered message)');
    }
  }

  private nonceSize(): number {
    return this.cipher?.endsWith('ccm') ? 11 : 12;
  }

  private signature(msgParts: readonly Buffer[], messageId: bigint, isResponse: boolean, isCancel: boolean): Buffer {
    const key = this.keys.signingKey;
    switch (this.signingAlgorithm) {
      case 'hmac-sha256': {
        const h = createHmac('sha256', key);
        for (const b of msgParts) h.update(b);
        return h.digest().subarray(0, 16);
      }
      case 'aes-cmac':
        return aesCmac(key, msgParts);
      case 'aes-gmac': {
        const nonce = Buffer.alloc(12);
        nonce.writeBigUInt64LE(messageId, 0);
        nonce.writeUInt32LE((isResponse ? 1 : 0) | (isCancel ? 2 : 0), 8);
        const aad = Buffer.concat(msgParts);
        return aeadEncrypt('aes-128-gcm', key, nonce, aad, []).tag;
      }
    }
  }
}

function deriveKeys({ dialect, cipher }: SecurityParameters, sessionKey: Buffer, preauthHash: Buffer): SessionKeys {
  const label = (s: string): Buffer => Buffer.from(s + '\0', 'latin1');
  if (dialect < Dialect.SMB3_0) return { signingKey: sessionKey.subarray(0, 16) };
  const bits = cipher === 'aes-256-gcm' || cipher === 'aes-256-ccm' ? 256 : 128;
  if (dialect === Dialect.SMB3_1_1) {
    return {
      signingKey: smbKdf(sessionKey, label('SMBSigningKey'), preauthHash),
      encryptionKey: cipher ? smbKdf(sessionKey, label('SMBC2SCipherKey'), preauthHash, bits) : undefined,
      decryptionKey: cipher ? smbKdf(sessionKey, label('SMBS2CCipherKey'), preauthHash, bits) : undefined,
    };
  }
  return {
    signingKey: smbKdf(sessionKey, label('SMB2AESCMAC'), label('SmbSign')),
    encryptionKey: cipher ? smbKdf(sessionKey, label('SMB2AESCCM'), label('ServerIn ')) : undefined,
    decryptionKey: cipher ? smbKdf(sessionKey, label('SMB2AESCCM'), label('ServerOut')) : undefined,
  };
}
