import { readFile } from 'node:fs/promises';
import { hostname, platform, release } from 'node:os';
import { parseArgs } from 'node:util';
import { AgentGatewayClient } from '@backtrac/xmlrpc';
import { defaultConfigPath, loadConfig, readJson, statePathFor, writePrivateJson, type AgentConfigFile } from './agent-config.js';
import { AGENT_VERSION, AgentRunner, splitHostPort, type AgentState, type Log } from './agent-runner.js';

const USAGE = `usage:
  backtrac-agent enroll --server URL [--token T] [--listen HOST:PORT] [--callback-url URL] [--hostname NAME] [--ca FILE] [--config PATH]
  backtrac-agent run [--config PATH]
  backtrac-agent status [--config PATH]
Without --token the agent asks for enrolment and waits for an administrator's approval.`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  log: Log;
  /** Resolves when the process should stop `run` (SIGINT/SIGTERM). */
  untilStopped(): Promise<void>;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  log: (level, msg, extra) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, service: 'backtrac-agent', msg, ...extra })}\n`),
  untilStopped: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
};

/** Runs one command; returns the process exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        listen: { type: 'string' },
        'callback-url': { type: 'string' },
        hostname: { type: 'string' },
        ca: { type: 'string' },
        config: { type: 'string' },
      },
      strict: true,
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const configPath = values.config ?? defaultConfigPath();
  try {
    switch (command) {
      case 'enroll':
        return await enroll(values, configPath, io);
      case 'run':
        return await run(configPath, io);
      case 'status':
        return await status(configPath, io);
      default:
        io.err(USAGE);
        return 2;
    }
  } catch (error) {
    io.err(`backtrac-agent ${command ?? ''}: ${(error as Error).message}`);
    return 1;
  }
}

async function enroll(values: Record<string, string | undefined>, configPath: string, io: CliIo): Promise<number> {
  if (!values.server) {
    io.err(`--server is required\n${USAGE}`);
    return 2;
  }
  const name = values.hostname ?? hostname();
  const listen = values.listen ?? '0.0.0.0:7611';
  const [, port] = splitHostPort(listen);
  const callbackUrl = values['callback-url'] ?? `http://${name}:${port}/RPC2`;
  const ca = values.ca ? await readFile(values.ca) : undefined;
  const gateway = new AgentGatewayClient({ url: values.server, timeoutMs: 30_000, ca });
  const result = await gateway.enroll(values.token ?? '', name, `${platform()} ${release()}`, AGENT_VERSION, callbackUrl);
  // Enrolling again keeps what the admin wrote by hand: hooks and local paths.
  const previous = await readJson<Partial<AgentConfigFile>>(configPath);
  const file: AgentConfigFile = {
    server: values.server,
    agentId: result.agentId,
    secret: result.secret,
    callbackToken: result.callbackToken,
    callbackListen: listen,
    callbackUrl,
    paths: previous?.paths ?? {},
    ...(previous?.hooks ? { hooks: previous.hooks } : {}),
    ...(values.ca ? { caFile: values.ca } : {}),
  };
  await writePrivateJson(configPath, file);
  io.out(`enrolled as agent ${result.agentId} (${result.status}); configuration written to ${configPath}`);
  if (result.status === 'pending') io.out('an administrator must approve this agent before backups run');
  return 0;
}

async function run(configPath: string, io: CliIo): Promise<number> {
  const file = await loadConfig(configPath);
  const runner = new AgentRunner(file, { statePath: statePathFor(configPath), configPath, log: io.log });
  await runner.start();
  await io.untilStopped();
  io.log('info', 'stopping');
  await runner.stop();
  return 0;
}

async function status(configPath: string, io: CliIo): Promise<number> {
  const file = await loadConfig(configPath);
  io.out(`agent:    ${file.agentId}`);
  io.out(`server:   ${file.server}`);
  io.out(`callback: ${file.callbackUrl || '(none)'} (listening on ${file.callbackListen || '-'})`);
  io.out(`hooks:    ${Object.keys(file.hooks ?? {}).join(', ') || '(none)'}`);
  const state = await readJson<AgentState>(statePathFor(configPath));
  if (state) {
    io.out(`run:      pid ${state.pid} since ${state.startedAt}; ${state.online ? 'online' : 'offline'}; last heartbeat ${state.lastHeartbeatAt ?? 'never'}`);
    io.out(`shares:   ${state.shares.join(', ') || '(none)'}; watching ${state.watched.join(', ') || '(none)'}`);
    io.out(`journal:  cursor ${state.journal.cursor}, ${state.journal.pending} paths pending, ${state.journal.gaps} gaps`);
    if (state.lastError) io.out(`error:    ${state.lastError}`);
  } else {
    io.out('run:      no state file (is "backtrac-agent run" running?)');
  }
  const ca = file.caFile ? await readFile(file.caFile) : undefined;
  const gateway = new AgentGatewayClient({ url: file.server, agentId: file.agentId, secret: file.secret, timeoutMs: 10_000, ca });
  try {
    const beat = await gateway.heartbeat({ probe: true });
    io.out(`gateway:  reachable; this agent is ${beat.status}`);
    return 0;
  } catch (error) {
    io.out(`gateway:  NOT reachable or refused: ${(error as Error).message}`);
    return 1;
  }
}
