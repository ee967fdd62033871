import { describe, expect, it } from 'vitest';
import { aesCmac, rc4 } from './crypto.js';
import { md4 } from './md4.js';
import { ntHash, ntowfV2, ntlmAuthenticate, parseNtlmChallenge, spnegoExtractNtlm, spnegoInit, ntlmNegotiate } from './ntlm.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('md4 (RFC 1320 test suite)', () => {
  it.each([
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ])('md4(%j)', (input, digest) => {
    expect(md4(Buffer.from(input)).toString('hex')).toBe(digest);
  });
});

describe('aes-cmac (RFC 4493 examples)', () => {
  const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
  const msg = hex(
    '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
  );
  it.each([
    [0, 'bb1d6929e95937287fa37d129b756746'],
    [16, '070a16b46b4d4144f79bdd9dd04a287c'],
    [40, 'dfa66747de9ae63030ca32611497c827'],
    [64, '51f0bebf7e3b9d92fc49741779363cfe'],
  ])('length %i', (len, mac) => {
    expect(aesCmac(key, [msg.subarray(0, len)]).toString('hex')).toBe(mac);
  });
  it('is independent of how the message is split', () => {
    expect(aesCmac(key, [msg.subarray(0, 7), msg.subarray(7, 40)])).toEqual(aesCmac(key, [msg.subarray(0, 40)]));
  });
});

describe('rc4', () => {
  it('matches the classic "Key"/"Plaintext" vector', () => {
    expect(rc4(Buffer.from('Key'), Buffer.from('Plaintext')).toString('hex')).toBe('bbf316e8d940af0ad3');
  });
});

describe('NTLMv2 (MS-NLMP 4.2.4 example)', () => {
  it('computes the NT hash and NTOWFv2', () => {
    expect(ntHash('Password').toString('hex')).toBe('a4f49c406510bdcab6824ee7c30fd852');
    expect(ntowfV2('Password', 'User', 'Domain').toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('builds the NTProofStr and encrypted session key of the example', () => {
    const serverChallenge = hex('0123456789abcdef');
    const targetInfo = hex('02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000');
    const challenge = { flags: 0xe28a8233, serverChallenge, targetInfo, timestamp: Buffer.alloc(8) };
    const res = ntlmAuthenticate(challenge, 'User', 'Password', 'Domain', 'COMPUTER', hex('aaaaaaaaaaaaaaaa'), Buffer.alloc(16, 0x55));
    const msg = res.message;
    const ntLen = msg.readUInt16LE(20);
    const ntOff = msg.readUInt32LE(24);
    expect(msg.subarray(ntOff, ntOff + 16).toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    const keyLen = msg.readUInt16LE(52);
    const keyOff = msg.readUInt32LE(56);
    expect(msg.subarray(keyOff, keyOff + keyLen).toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
    expect(ntLen).toBe(16 + 28 + targetInfo.length + 4);
    // Never an LM or NTLMv1 response: LM is 24 zero bytes when the server sent a timestamp.
    const lmOff = msg.readUInt32LE(16);
    expect(msg.subarray(lmOff, lmOff + 24)).toEqual(Buffer.alloc(24));
  });

  it('rejects malformed CHALLENGE messages and SPNEGO tokens without crashing', () => {
    expect(() => parseNtlmChallenge(Buffer.alloc(10))).toThrow();
    const token = spnegoInit(ntlmNegotiate());
    expect(spnegoExtractNtlm(token).ntlm?.subarray(0, 7).toString()).toBe('NTLMSSP');
    for (let cut = 1; cut < token.length; cut += 3) {
      try {
        spnegoExtractNtlm(token.subarray(0, cut));
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
      }
    }
  });
});
