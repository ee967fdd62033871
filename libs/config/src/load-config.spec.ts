import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

const good = {
  DATABASE_URL: 'postgres://backtrac:pw@127.0.0.1:5432/backtrac',
  SECRET_KEY: 'a'.repeat(64),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig('api', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults to a minimal environment', () => {
    const config = loadConfig('api', good);
    expect(config.API_PORT).toBe(8080);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.SECRET_KEY).toHaveLength(32);
    expect(config.service).toBe('api');
  });

  it('names DATABASE_URL when it is missing or not a postgres URL', () => {
    expect(problemsOf({ SECRET_KEY: good.SECRET_KEY }).join()).toMatch(/^DATABASE_URL is required/);
    expect(problemsOf({ ...good, DATABASE_URL: 'mysql://x@y/z' }).join()).toMatch(/^DATABASE_URL must be a postgres:\/\/ URL/);
    expect(problemsOf({ ...good, DATABASE_URL: 'not a url' }).join()).toMatch(/^DATABASE_URL/);
  });

  it('rejects a short SECRET_KEY, a bad port and a bad log level, naming each', () => {
    const problems = problemsOf({ ...good, SECRET_KEY: 'abcd', API_PORT: '70000', LOG_LEVEL: 'loud' });
    expect(problems.some((p) => p.startsWith('SECRET_KEY must be 32 bytes'))).toBe(true);
    expect(problems.some((p) => p.startsWith('API_PORT'))).toBe(true);
    expect(problems.some((p) => p.startsWith('LOG_LEVEL'))).toBe(true);
  });

  it('accepts a base64 SECRET_KEY', () => {
    expect(loadConfig('api', { ...good, SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).SECRET_KEY).toEqual(Buffer.alloc(32, 7));
  });

  it('requires ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(problemsOf({ ...good, ADMIN_EMAIL: 'admin@example.com' }).join()).toMatch(/set together/);
    expect(problemsOf({ ...good, ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'short' }).join()).toMatch(/^ADMIN_PASSWORD must be at least 12/);
  });

  it('requires the gateway TLS certificate and key together', () => {
    expect(problemsOf({ ...good, GATEWAY_TLS_CERT_FILE: '/etc/backtrac/cert.pem' }).join()).toMatch(/must be set together \(HTTPS for agents\)/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig('scheduler', { ...good, REDIS_URL: '' }).REDIS_URL).toBe('redis://127.0.0.1:6379');
  });
});
