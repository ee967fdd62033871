import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freePort, runServiceUntilExit, type ServiceName } from '../harness/services.js';

const services: ServiceName[] = ['api', 'scheduler', 'copy-worker', 'agent-gateway'];
const ports = ['API_PORT', 'SCHEDULER_PORT', 'COPY_WORKER_PORT', 'GATEWAY_PORT', 'GATEWAY_RPC_PORT'];
const base: Record<string, string> = { SECRET_KEY: randomBytes(32).toString('hex'), BIND_ADDRESS: '127.0.0.1' };
for (const variable of ports) base[variable] = String(await freePort());

describe.each(services)('%s refuses to start with a bad configuration', (service) => {
  it('names DATABASE_URL when it is not a postgres URL', async () => {
    const { code, output } = await runServiceUntilExit(service, { ...base, DATABASE_URL: 'mysql://root@localhost/backtrac' });
    expect(code).toBe(1);
    expect(output).toContain(`backtrac-${service}: Invalid configuration`);
    expect(output).toContain('DATABASE_URL must be a postgres:// URL');
  });

  it('says which Postgres it cannot reach, without the password', async () => {
    const { code, output } = await runServiceUntilExit(service, { ...base, DATABASE_URL: 'postgres://backtrac:hunter2@127.0.0.1:1/backtrac' });
    expect(code).toBe(1);
    expect(output).toContain(`backtrac-${service}: cannot connect to Postgres at 127.0.0.1:1/backtrac (DATABASE_URL): ECONNREFUSED`);
    expect(output).not.toContain('hunter2');
  });

  it('names SECRET_KEY when it is missing', async () => {
    const { code, output } = await runServiceUntilExit(service, { DATABASE_URL: 'postgres://x@127.0.0.1/backtrac' });
    expect(code).toBe(1);
    expect(output).toContain('SECRET_KEY is required');
  });

  it('refuses the example secrets of deploy/example.env, naming each variable, before touching Postgres', async () => {
    const { code, output } = await runServiceUntilExit(service, {
      ...base,
      SECRET_KEY: '0'.repeat(64),
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'change-me-admin-password',
      DATABASE_URL: 'postgres://backtrac:change-me-db-password@127.0.0.1:1/backtrac',
    });
    expect(code).toBe(1);
    expect(output).toContain(`backtrac-${service}: Invalid configuration`);
    expect(output).toContain('SECRET_KEY is the example (all-zero) key');
    expect(output).toContain('ADMIN_PASSWORD is the example password');
    expect(output).toContain('DATABASE_URL uses the example password');
    expect(output).not.toContain('cannot connect to Postgres');
  });
});
