// Cryptographic building blocks of SMB2/3 and NTLM that Node's OpenSSL 3 does not provide directly:
// RC4 (NTLM key exchange, legacy in OpenSSL 3), AES-CMAC (RFC 4493, SMB 3.x signing) and the
// SP800-108 counter-mode KDF used to derive SMB 3.x keys.
import { createCipheriv, createDecipheriv, createHmac, type CipherCCM, type CipherCCMTypes, type DecipherCCM } from 'node:crypto';

export function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    const t = s[i]!;
    s[i] = s[j]!;
    s[j] = t;
  }
  const out = Buffer.alloc(data.length);
  let i = 0;
  j = 0;
  for (let n = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    const t = s[i]!;
    s[i] = s[j]!;
    s[j] = t;
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

function shiftLeft1(block: Buffer): Buffer {
  const out = Buffer.alloc(16);
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    const v = block[i]!;
    out[i] = ((v << 1) | carry) & 0xff;
    carry = v >> 7;
  }
  return out;
}

function cmacSubkeys(key: Uint8Array): [Buffer, Buffer] {
  const ecb = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  ecb.setAutoPadding(false);
  const l = ecb.update(Buffer.alloc(16));
  const k1 = shiftLeft1(l);
  if (l[0]! & 0x80) k1[15]! ^= 0x87;
  const k2 = shiftLeft1(k1);
  if (k1[0]! & 0x80) k2[15]! ^= 0x87;
  return [k1, k2];
}

const subkeyCache = new WeakMap<Uint8Array, [Buffer, Buffer]>();

/** AES-CMAC (RFC 4493) over the concatenation of `parts`, computed with AES-CBC for the bulk. */
export function aesCmac(key: Uint8Array, parts: readonly Uint8Array[]): Buffer {
  let subkeys = subkeyCache.get(key);
  if (!subkeys) {
    subkeys = cmacSubkeys(key);
    subkeyCache.set(key, subkeys);
  }
  const [k1, k2] = subkeys;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const blocks = Math.max(1, Math.ceil(total / 16));
  const complete = total > 0 && total % 16 === 0;
  const data = Buffer.alloc(blocks * 16);
  let off = 0;
  for (const p of parts) {
    data.set(p, off);
    off += p.length;
  }
  const lastOff = (blocks - 1) * 16;
  if (complete) {
    for (let i = 0; i < 16; i++) data[lastOff + i]! ^= k1[i]!;
  } else {
    data[total] = 0x80;
    for (let i = 0; i < 16; i++) data[lastOff + i]! ^= k2[i]!;
  }
  const cbc = createCipheriv(`aes-${key.length * 8}-cbc`, key, Buffer.alloc(16));
  cbc.setAutoPadding(false);
  const enc = cbc.update(data);
  return Buffer.from(enc.subarray(enc.length - 16));
}

/** SP800-108 KDF in counter mode with HMAC-SHA256, as used by SMB 3.x (MS-SMB2 3.1.4.2). */
export function smbKdf(key: Uint8Array, label: Buffer, context: Buffer, bits = 128): Buffer {
  const i = Buffer.from([0, 0, 0, 1]);
  const l = Buffer.alloc(4);
  l.writeUInt32BE(bits);
  const mac = createHmac('sha256', key).update(i).update(label).update(Buffer.from([0])).update(context).update(l).digest();
  return mac.subarray(0, bits / 8);
}

export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('md5', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

export type CipherName = 'aes-128-ccm' | 'aes-128-gcm' | 'aes-256-ccm' | 'aes-256-gcm';

export function aeadEncrypt(
  cipher: CipherName,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plain: readonly Uint8Array[],
): { data: Buffer; tag: Buffer } {
  const total = plain.reduce((n, p) => n + p.length, 0);
  const isCcm = cipher.endsWith('ccm');
  const c = createCipheriv(cipher as CipherCCMTypes, key, nonce, { authTagLength: 16 }) as CipherCCM;
  if (isCcm) c.setAAD(aad, { plaintextLength: total });
  else c.setAAD(aad, { plaintextLength: total });
  // CCM allows exactly one update() call.
  const chunks = isCcm ? [c.update(plain.length === 1 ? plain[0]! : Buffer.concat(plain, total))] : plain.map((p) => c.update(p));
  chunks.push(c.final());
  return { data: Buffer.concat(chunks, total), tag: c.getAuthTag() };
}

export function aeadDecrypt(
  cipher: CipherName,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  data: Uint8Array,
  tag: Uint8Array,
): Buffer {
  const isCcm = cipher.endsWith('ccm');
  const d = createDecipheriv(cipher as CipherCCMTypes, key, nonce, { authTagLength: 16 }) as DecipherCCM;
  d.setAuthTag(tag);
  if (isCcm) d.setAAD(aad, { plaintextLength: data.length });
  else d.setAAD(aad, { plaintextLength: data.length });
  const out = d.update(data);
  d.final();
  return out;
}
