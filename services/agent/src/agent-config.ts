import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What `enroll` writes and `run` reads. Holds the agent's secret: the file is 0600. */
export interface AgentConfigFile {
  server: string;
  agentId: string;
  secret: string;
  callbackToken: string;
  /** Where the callback endpoint listens, e.g. "0.0.0.0:7611"; empty disables it. */
  callbackListen: string;
  /** The URL the gateway uses to reach the callback endpoint. */
  callbackUrl: string;
  /** Local directories to watch per share name, overriding the gateway's (for smb:// shares). */
  paths: Record<string, string>;
  /** PEM file of a private CA for an https gateway. */
  caFile?: string;
  /** How often changed paths are reported, in seconds. Default 5. */
  reportSeconds?: number;
}

export function defaultConfigPath(): string {
  if (process.env.BACKTRAC_AGENT_CONFIG) return process.env.BACKTRAC_AGENT_CONFIG;
  if (process.platform === 'win32') return join(process.env.ProgramData ?? 'C:\\ProgramData', 'BackTrac', 'agent.json');
  return '/etc/backtrac/agent.json';
}

/** State `run` leaves for `status`: next to the config file. */
export function statePathFor(configPath: string): string {
  return configPath.replace(/\.json$/, '') + '.state.json';
}

function check(value: unknown, path: string): AgentConfigFile {
  const v = value as Partial<AgentConfigFile> | null;
  for (const key of ['server', 'agentId', 'secret', 'callbackToken'] as const) {
    if (!v || typeof v[key] !== 'string' || v[key] === '') throw new Error(`${path}: "${key}" is missing; run "backtrac-agent enroll" first`);
  }
  const c = v as AgentConfigFile;
  return { ...c, callbackListen: c.callbackListen ?? '', callbackUrl: c.callbackUrl ?? '', paths: c.paths ?? {} };
}

export async function loadConfig(path: string): Promise<AgentConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${path} does not exist; run "backtrac-agent enroll" first`, { cause: error });
    throw error;
  }
  return check(JSON.parse(text), path);
}

/** Writes JSON readable only by the owner: created 0600 in a temp file, then renamed into place. */
export async function writePrivateJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600); // the mode above is subject to umask only on creation of a new file
  await rename(tmp, path);
}

export async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}
