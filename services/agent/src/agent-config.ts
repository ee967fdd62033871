import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isHookName } from '@backtrac/xmlrpc';

/** A pre/post-backup command, declared on the client; the server refers to it only by name. */
export interface AgentHook {
  /** Run by the platform shell (/bin/sh -c, cmd.exe /c) in the share's local directory. */
  command: string;
  /** Overrides the gateway's command timeout for this hook. */
  timeoutSeconds?: number;
}

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
  /** Named hooks a share may refer to (share settings preHook / postHook). */
  hooks?: Record<string, AgentHook>;
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
  return { ...c, callbackListen: c.callbackListen ?? '', callbackUrl: c.callbackUrl ?? '', paths: c.paths ?? {}, hooks: checkHooks(c.hooks, path) };
}

function checkHooks(value: unknown, path: string): Record<string, AgentHook> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path}: "hooks" must be an object of name -> { "command": "..." }`);
  const hooks: Record<string, AgentHook> = {};
  for (const [name, hook] of Object.entries(value as Record<string, unknown>)) {
    if (!isHookName(name)) throw new Error(`${path}: hook name "${name.slice(0, 80)}" may use only letters, digits, _ . - (at most 64, starting with a letter or digit)`);
    const h = hook as Partial<AgentHook> | null;
    if (!h || typeof h.command !== 'string' || h.command.trim() === '') throw new Error(`${path}: hook "${name}" needs a non-empty "command"`);
    if (h.timeoutSeconds !== undefined && (!Number.isInteger(h.timeoutSeconds) || h.timeoutSeconds < 1)) {
      throw new Error(`${path}: hook "${name}": "timeoutSeconds" must be a whole number of seconds`);
    }
    hooks[name] = { command: h.command, ...(h.timeoutSeconds !== undefined ? { timeoutSeconds: h.timeoutSeconds } : {}) };
  }
  return hooks;
}

/**
 * The configuration file decides which commands the agent runs (as root, usually), so only root
 * or the agent's own account may be able to change it: owned by one of them, and neither the file
 * nor its folder writable by group or others. Windows protects it with the folder's ACLs instead.
 */
export async function checkConfigTrusted(path: string, uid = process.getuid?.()): Promise<void> {
  if (uid === undefined) return;
  for (const [what, target] of [['file', path], ['folder', dirname(path)]] as const) {
    const info = await stat(target);
    if (info.uid !== 0 && info.uid !== uid) {
      throw new Error(`${target}: the configuration ${what} is owned by uid ${info.uid}; it must be owned by root (or the agent's own user, uid ${uid}) because it declares the commands the agent runs`);
    }
    if ((info.mode & 0o022) !== 0) {
      throw new Error(`${target}: the configuration ${what} is writable by group or others (mode ${(info.mode & 0o777).toString(8)}); chmod go-w it, it declares the commands the agent runs`);
    }
  }
}

/** Reads and checks the configuration file; refuses one that others could have changed. */
export async function loadConfig(path: string): Promise<AgentConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${path} does not exist; run "backtrac-agent enroll" first`, { cause: error });
    throw error;
  }
  await checkConfigTrusted(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return check(parsed, path);
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
