import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_ADMIN_PASSWORD, EXAMPLE_DATABASE_PASSWORD, EXAMPLE_REDIS_PASSWORD, EXAMPLE_SECRET_KEY_HEX } from './example-secrets.js';
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

  describe('refuses the example secrets from deploy/example.env', () => {
    const exampleEnv = Object.fromEntries(
      readFileSync(new URL('../../../deploy/example.env', import.meta.url), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );

    it('knows the placeholders example.env really ships', () => {
      expect(exampleEnv.SECRET_KEY).toBe(EXAMPLE_SECRET_KEY_HEX);
      expect(exampleEnv.ADMIN_PASSWORD).toBe(EXAMPLE_ADMIN_PASSWORD);
      expect(exampleEnv.BACKTRAC_DB_PASSWORD).toBe(EXAMPLE_DATABASE_PASSWORD);
      expect(new URL(exampleEnv.DATABASE_URL).password).toBe(EXAMPLE_DATABASE_PASSWORD);
      expect(exampleEnv.REDIS_PASSWORD).toBe(EXAMPLE_REDIS_PASSWORD);
      expect(new URL(exampleEnv.REDIS_URL).password).toBe(EXAMPLE_REDIS_PASSWORD);
    });

    it.each(['api', 'scheduler', 'copy-worker', 'agent-gateway'] as const)('%s refuses example.env as it is, naming each variable', (service) => {
      let problems: string[] = [];
      try {
        loadConfig(service, exampleEnv);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems = error.problems;
      }
      expect(problems.some((p) => p.startsWith('SECRET_KEY is the example (all-zero) key'))).toBe(true);
      expect(problems.some((p) => p.startsWith('ADMIN_PASSWORD is the example password'))).toBe(true);
      expect(problems.some((p) => p.startsWith('DATABASE_URL uses the example password'))).toBe(true);
      expect(problems.some((p) => p.startsWith('REDIS_URL uses the example password'))).toBe(true);
    });

    it('refuses an all-zero key given as base64 too', () => {
      expect(problemsOf({ ...good, SECRET_KEY: Buffer.alloc(32).toString('base64') }).join()).toMatch(/^SECRET_KEY is the example/);
    });

    it('accepts example.env once its secrets are replaced', () => {
      const real = {
        ...exampleEnv,
        SECRET_KEY: 'ab'.repeat(32),
        ADMIN_PASSWORD: 'a-real-admin-password',
        DATABASE_URL: 'postgres://backtrac:a-real-db-password@postgres:5432/backtrac',
        REDIS_URL: 'redis://:a-real-redis-password@redis:6379',
      };
      expect(loadConfig('api', real).ADMIN_PASSWORD).toBe('a-real-admin-password');
    });
  });
});
