import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { censorSecrets, pinoOptions, redactedPaths } from './logger.module.js';

function logLine(fields: Record<string, unknown>, message = 'm'): Record<string, unknown> {
  let text = '';
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString()), done()) });
  const options = pinoOptions({ service: 'api', LOG_LEVEL: 'info' });
  const logger = pino({ level: 'info', base: options.base, redact: { paths: redactedPaths, censor: '[redacted]' }, formatters: options.formatters }, sink);
  logger.info(fields, message);
  return JSON.parse(text) as Record<string, unknown>;
}

describe('log redaction', () => {
  it('censors secrets at any depth, top level included', () => {
    const line = logLine({
      password: 'top-secret-1',
      share: { name: 'docs', smb: { auth: { password: 'nested-secret-2', user: 'bob' } } },
      webhooks: [{ url: 'https://hooks.example/x', secretSealed: 'v1:abc' }],
      agent: { callbackToken: 'cb-3', deep: { a: { b: { c: { apiKey: 'k-4' } } } } },
      smtp: { auth: { user: 'alerts', pass: 'p-5' } },
    });
    const text = JSON.stringify(line);
    for (const secret of ['top-secret-1', 'nested-secret-2', 'v1:abc', 'cb-3', 'k-4', 'p-5']) expect(text).not.toContain(secret);
    expect(line.share).toEqual({ name: 'docs', smb: { auth: { password: '[redacted]', user: 'bob' } } });
    expect(text).toContain('https://hooks.example/x');
    expect(line.service).toBe('api');
  });

  it('keeps what is not a secret string, and survives cycles', () => {
    const cyclic: Record<string, unknown> = { hasPassword: true, tokenCount: 3 };
    cyclic.self = cyclic;
    const out = censorSecrets(cyclic) as Record<string, unknown>;
    expect(out.hasPassword).toBe(true);
    expect(out.tokenCount).toBe(3);
    const error = new Error('boom');
    expect(censorSecrets({ err: error }) as Record<string, unknown>).toEqual({ err: error });
  });
});
