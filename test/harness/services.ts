import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createEmptyDatabase } from './postgres.js';
import { createTestRedis } from './redis.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type ServiceName = 'api' | 'scheduler' | 'copy-worker' | 'agent-gateway';

/** Asks the kernel for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface RunningService {
  name: ServiceName;
  process: ChildProcess;
  port: number;
  url: string;
  /** The agent-gateway's XML-RPC endpoint (other services: undefined). */
  rpcUrl?: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The entry point of a built service; tests run against the same files `npm start` runs. */
export function serviceEntry(name: ServiceName): string {
  const entry = `${repoRoot}services/${name}/dist/main.js`;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first (test/run does)`);
  return entry;
}

/** Runs a built service to completion (for start-up failure tests) and returns its exit code and output. */
export async function runServiceUntilExit(name: ServiceName, env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [serviceEntry(name)], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

/** Starts a built service and waits until /readyz answers 200. */
export async function startService(name: ServiceName, env: Record<string, string>, portVariable: string): Promise<RunningService> {
  const port = await freePort();
  const rpcPort = name === 'agent-gateway' ? (env.GATEWAY_RPC_PORT ?? String(await freePort())) : undefined;
  const child = spawn(process.execPath, [serviceEntry(name)], {
    env: { PATH: process.env.PATH ?? '', BIND_ADDRESS: '127.0.0.1', ...env, [portVariable]: String(port), ...(rpcPort ? { GATEWAY_RPC_PORT: rpcPort } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const service: RunningService = {
    name,
    process: child,
    port,
    url,
    rpcUrl: rpcPort ? `http://127.0.0.1:${rpcPort}/RPC2` : undefined,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const [code] = (await once(child, 'exit')) as [number | null];
      clearTimeout(killer);
      return code;
    },
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready:\n${output}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return service;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await service.stop('SIGKILL');
  throw new Error(`${name} was not ready within 60 s:\n${output}`);
}

export interface StackOptions {
  services?: ServiceName[];
  /** Extra environment for every service (e.g. STORE_ROOT). */
  env?: Record<string, string>;
  consoleDir?: string;
}

export interface Stack {
  apiUrl: string;
  adminEmail: string;
  adminPassword: string;
  env: Record<string, string>;
  services: RunningService[];
  stop(): Promise<void>;
}

/**
 * The services as real processes, wired like docker-compose.yml, against a fresh database and a
 * private Redis prefix. The api starts first because it applies the migrations.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const database = await createEmptyDatabase();
  const redis = createTestRedis();
  const adminEmail = 'admin@backtrac.test';
  const adminPassword = `pw-${randomBytes(9).toString('base64url')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: adminEmail,
    ADMIN_PASSWORD: adminPassword,
    CONSOLE_DIR: options.consoleDir ?? `${repoRoot}frontend/dist/browser`,
    ...options.env,
  };
  const ports: Record<ServiceName, string> = {
    api: 'API_PORT',
    scheduler: 'SCHEDULER_PORT',
    'copy-worker': 'COPY_WORKER_PORT',
    'agent-gateway': 'GATEWAY_PORT',
  };
  const started: RunningService[] = [];
  const stop = async () => {
    await Promise.all(started.map((service) => service.stop()));
    await database.drop();
    await redis.cleanup();
  };
  try {
    for (const name of options.services ?? ['api']) started.push(await startService(name, env, ports[name]));
  } catch (error) {
    await stop();
    throw error;
  }
  const api = started.find((service) => service.name === 'api');
  return { apiUrl: api?.url ?? '', adminEmail, adminPassword, env, services: started, stop };
}
