// Benchmarks of the agent protocol. Plain TypeScript (no decorators), so Node runs it directly:
//   npx tsc -b services/agent-gateway && node test/bench/agent.bench.ts [gateway-heartbeats]
// or through the bench runner: npm run bench -- agent
//
// gateway-heartbeats: the real gateway RPC module (Postgres catalog, argon2-authenticated agents)
// on the real XML-RPC transport; 200 enrolled agents heartbeat once a second for 30 s from a
// separate load process. Reports p50/p99/max latency and errors. Goal: p99 < 50 ms, zero errors.
// BENCH_AGENTS and BENCH_SECONDS shrink it for a quick look.
// backup-incr-journal-100k: see test/bench/agent-journal.bench.ts.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const here = fileURLToPath(import.meta.url);

interface Creds {
  url: string;
  agents: Array<{ agentId: string; secret: string }>;
  seconds: number;
}

interface LoadResult {
  calls: number;
  errors: number;
  firstError: string | null;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function loadProcess(): Promise<void> {
  const { AgentGatewayClient } = await import('@backtrac/xmlrpc');
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const creds = JSON.parse(input) as Creds;
  const latencies: number[] = [];
  const trace: Array<[number, number]> = [];
  const t0all = performance.now();
  let errors = 0;
  let firstError: string | null = null;
  const end = Date.now() + creds.seconds * 1000;
  await Promise.all(
    creds.agents.map(async (a) => {
      const gw = new AgentGatewayClient({ url: creds.url, agentId: a.agentId, secret: a.secret, timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      let next = performance.now();
      while (Date.now() < end) {
        const t0 = performance.now();
        try {
          await gw.heartbeat({ version: 'bench' });
          latencies.push(performance.now() - t0);
          if (process.env.BENCH_TRACE) trace.push([Math.round(t0 - t0all), Math.round(performance.now() - t0)]);
        } catch (error) {
          errors += 1;
          firstError ??= (error as Error).message;
        }
        next += 1000;
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      }
    }),
  );
  if (process.env.BENCH_TRACE) {
    trace.sort((x, y) => y[1] - x[1]);
    process.stderr.write(`slowest [start ms, latency ms]: ${JSON.stringify(trace.slice(0, 40))}\n`);
  }
  latencies.sort((x, y) => x - y);
  const result: LoadResult = {
    calls: latencies.length + errors,
    errors,
    firstError,
    p50_ms: percentile(latencies, 50),
    p95_ms: percentile(latencies, 95),
    p99_ms: percentile(latencies, 99),
    max_ms: latencies[latencies.length - 1] ?? 0,
  };
  process.stdout.write(JSON.stringify(result));
}

async function gatewayHeartbeats(): Promise<void> {
  const { Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { CatalogModule, Client, EnrolmentToken, Share } = await import('@backtrac/catalog');
  const { QueueModule } = await import('@backtrac/queue');
  const { AgentGatewayClient, XmlRpcServer } = await import('@backtrac/xmlrpc');
  const { createTestDatabase } = await import('../harness/postgres.ts');
  const { createTestRedis } = await import('../harness/redis.ts');
  let rpc: typeof import('../../services/agent-gateway/src/rpc/index.ts');
  try {
    rpc = (await import(new URL('../../services/agent-gateway/dist/rpc/index.js', import.meta.url).href)) as typeof rpc;
  } catch (error) {
    throw new Error(`build the gateway first (npx tsc -b services/agent-gateway): ${(error as Error).message}`, { cause: error });
  }

  const db = await createTestDatabase();
  const redis = createTestRedis();
  const secretKey = randomBytes(32);
  class BenchGatewayModule {}
  Module({
    imports: [
      CatalogModule.forRoot({ databaseUrl: db.url, secretKey, applicationName: 'bench-gateway' }),
      QueueModule.forRoot({ redisUrl: redis.url, prefix: redis.prefix }),
      rpc.AgentRpcModule.forRoot({ secretKey, allowUnsolicitedEnrolment: false }),
    ],
  })(BenchGatewayModule);
  const server = new XmlRpcServer({ port: 0, host: '127.0.0.1' });
  const app = await NestFactory.createMicroservice(BenchGatewayModule, { strategy: server, logger: ['error'] });
  try {
    await app.listen();
    const url = `http://127.0.0.1:${server.address()?.port}/RPC2`;
    const client = await db.dataSource.getRepository(Client).save({ name: 'bench', hostname: 'bench.local' });
    await db.dataSource.getRepository(Share).insert({ clientId: client.id, name: 'data', url: 'file:///srv/data' });
    const tokens = Array.from({ length: AGENTS }, () => randomBytes(16).toString('hex'));
    await db.dataSource.getRepository(EnrolmentToken).insert(
      tokens.map((t) => ({ tokenHash: createHash('sha256').update(t).digest(), clientId: client.id, expiresAt: new Date(Date.now() + 3_600_000) })),
    );
    const anon = new AgentGatewayClient({ url, timeoutMs: 30_000 });
    const agents: Creds['agents'] = [];
    for (const [i, token] of tokens.entries()) {
      const e = await anon.enroll(token, `bench-${i}`, 'linux', 'bench', '');
      agents.push({ agentId: e.agentId, secret: e.secret });
    }
    // One authenticated call each warms the verified-secret cache, as a long-running agent would have.
    for (const a of agents) await new AgentGatewayClient({ url, agentId: a.agentId, secret: a.secret }).heartbeat();

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const child = spawn(process.execPath, [here, '--load'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end(JSON.stringify({ url, agents, seconds: SECONDS } satisfies Creds));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`load process exited with ${code}`);
    loop.disable();
    const cpu = process.cpuUsage(cpu0);
    const r = JSON.parse(out) as LoadResult;
    const goal = 0.05;
    const p99 = r.p99_ms / 1000;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'gateway-heartbeats',
        ours_s: Number(p99.toFixed(4)),
        reference_s: goal,
        speedup: Number((goal / Math.max(p99, 1e-6)).toFixed(2)),
        agents: AGENTS,
        seconds: SECONDS,
        calls: r.calls,
        errors: r.errors,
        first_error: r.firstError,
        p50_ms: Number(r.p50_ms.toFixed(2)),
        p95_ms: Number(r.p95_ms.toFixed(2)),
        p99_ms: Number(r.p99_ms.toFixed(2)),
        max_ms: Number(r.max_ms.toFixed(2)),
        gateway_cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
        gateway_loop_delay_p99_ms: Number((loop.percentile(99) / 1e6).toFixed(1)),
        gateway_loop_delay_max_ms: Number((loop.max / 1e6).toFixed(1)),
        load_avg_1m: Number(loadavg()[0]?.toFixed(2)),
        note: 'reference_s is the goal p99 (50 ms), not a tool',
      })}\n`,
    );
  } finally {
    await app.close();
    await redis.cleanup();
    await db.drop();
  }
}

const arg = process.argv[2];
if (arg === '--load') {
  await loadProcess();
} else if (arg === 'gateway-heartbeats') {
  await gatewayHeartbeats();
} else if (arg === 'backup-incr-journal-100k') {
  // In test/bench/agent-journal.bench.ts (the copy worker's journal mode over smbd).
  await (await import('./agent-journal.bench.ts')).backupIncrJournal100k();
} else if (arg === undefined || arg === 'agent') {
  await gatewayHeartbeats();
  await (await import('./agent-journal.bench.ts')).backupIncrJournal100k();
} else {
  process.stderr.write(`unknown bench "${arg}"; known: gateway-heartbeats, backup-incr-journal-100k\n`);
  process.exitCode = 2;
}
