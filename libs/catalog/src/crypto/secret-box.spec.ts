import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never contains the plaintext', () => {
    const sealed = box.seal('hunter2-Ünïcode');
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed)).toBe('hunter2-Ünïcode');
  });

  it('uses a fresh nonce every time', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('refuses a tampered secret or another key', () => {
    const sealed = box.seal('secret');
    const parts = sealed.split(':');
    const data = Buffer.from(parts[3]!, 'base64');
    data[0]! ^= 1;
    parts[3] = data.toString('base64');
    expect(() => box.open(parts.join(':'))).toThrow(/cannot be opened/);
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(/SECRET_KEY differs/);
    expect(() => box.open('garbage')).toThrow(/unknown format/);
  });
});
