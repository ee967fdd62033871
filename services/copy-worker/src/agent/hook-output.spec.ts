import { describe, expect, it } from 'vitest';
import { hookOutputForLog, redactSecrets } from './hook-output.js';

describe('hook output in run logs', () => {
  it.each([
    ['pg_dump postgres://app:hunter2@db.lan/app', 'pg_dump postgres://app:[redacted]@db.lan/app'],
    ['PGPASSWORD=hunter2 pg_dump app', 'PGPASSWORD=[redacted] pg_dump app'],
    ['db_password: "hunter 2"', 'db_password: [redacted]'],
    ['{"apiToken": "abc123", "user": "bob"}', '{"apiToken": [redacted], "user": "bob"}'],
    ['mysqldump --password hunter2 app', 'mysqldump --password [redacted] app'],
    ['curl -H "Authorization: Bearer eyJhbGciOi.x.y" https://x', 'curl -H "Authorization: Bearer [redacted]" https://x'],
    ['key AKIAABCDEFGHIJKLMNOP used', 'key [redacted] used'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA\n-----END OPENSSH PRIVATE KEY-----\ndone', '[redacted private key]\ndone'],
  ])('masks %j', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
    expect(redactSecrets(input)).not.toMatch(/hunter|abc123|eyJ|AKIAABC|b3BlbnNzaA/);
  });

  it('leaves ordinary output alone', () => {
    const text = 'dumped 42 tables in 3.1 s\npg_dump: saving encoding = UTF8\n';
    expect(redactSecrets(text)).toBe(text);
  });

  it('keeps only the end of long output, from a line start, and says how much was left out', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} secret=s${i}`).join('\n');
    const out = hookOutputForLog(lines, 1024);
    expect(out.length).toBeLessThan(1100);
    expect(out).toMatch(/^\[\d+ earlier characters left out\]\nline \d+ secret=\[redacted\]\n/);
    expect(out.endsWith('line 1999 secret=[redacted]')).toBe(true);
    expect(out).not.toMatch(/secret=s\d/);
    expect(hookOutputForLog('short\n')).toBe('short');
  });
});

describe('redaction cost', () => {
  it('stays fast on 64 KiB of adversarial output', () => {
    const inputs = ['a.'.repeat(32 * 1024), 'x://'.repeat(16 * 1024), `${'a'.repeat(65_000)}password`, 'a:'.repeat(32 * 1024)];
    for (const input of inputs) {
      const started = performance.now();
      redactSecrets(input);
      expect(performance.now() - started).toBeLessThan(500);
    }
  });
});
