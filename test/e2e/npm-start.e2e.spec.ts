import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../harness/postgres.js';
import { createTestRedis } from '../harness/redis.js';
import { freePort, repoRoot } from '../harness/services.js';

describe('npm start -- --demo (the no-Docker path of the README)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('brings every service to ready, registers the demo share, and stops everything on SIGTERM', async () => {
    const database = await createEmptyDatabase();
    cleanups.push(() => database.drop());
    const redis = createTestRedis();
    cleanups.push(() => redis.cleanup());
    const store = await mkdtemp(join(tmpdir(), 'bt-start-store-'));
    cleanups.push(() => rm(store, { recursive: true, force: true }));
    const ports = {
      API_PORT: await freePort(), SCHEDULER_PORT: await freePort(), COPY_WORKER_PORT: await freePort(),
      GATEWAY_PORT: await freePort(), GATEWAY_RPC_PORT: await freePort(),
    };
    const admin = { ADMIN_EMAIL: 'start@backtrac.test', ADMIN_PASSWORD: `pw-${randomBytes(9).toString('hex')}` };
    const child = spawn('bash', ['scripts/start.sh', '--demo'], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, ...admin, DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, STORE_ROOT: store,
        SECRET_KEY: randomBytes(32).toString('hex'), BIND_ADDRESS: '127.0.0.1',
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    cleanups.push(async () => killGroup());

    const deadline = Date.now() + 240_000;
    while (!output.includes('BackTrac is running') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(output, output).toContain('BackTrac is running');
    for (const port of [ports.API_PORT, ports.SCHEDULER_PORT, ports.COPY_WORKER_PORT, ports.GATEWAY_PORT]) {
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status, `port ${port}`).toBe(200);
    }
    expect(output).toMatch(/demo client registered with share smb:\/\/127\.0\.0\.1:\d+\/demo/);

    const login = await fetch(`http://127.0.0.1:${ports.API_PORT}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.ADMIN_EMAIL, password: admin.ADMIN_PASSWORD }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const clients = await (await fetch(`http://127.0.0.1:${ports.API_PORT}/api/clients`, { headers: { cookie } })).json();
    expect(clients.map((c: { name: string }) => c.name)).toContain('demo');

    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGTERM');
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const port of Object.values(ports)) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`), `port ${port} still answers`).rejects.toThrow();
    }
  });
});
