import { z } from 'zod';
import { envSchema, type Env } from './env.schema.js';
import { parseFileShareRoots } from './file-share-roots.js';
import { EXAMPLE_ADMIN_PASSWORD, EXAMPLE_DATABASE_PASSWORD, EXAMPLE_REDIS_PASSWORD, isExampleSecretKey } from './example-secrets.js';

export type ServiceName = 'api' | 'scheduler' | 'copy-worker' | 'agent-gateway' | 'cli';

/** Thrown at start-up; the message names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface AppConfig extends Env {
  service: ServiceName;
  /** FILE_SHARE_ROOTS parsed: absolute, normalised, never "/". */
  fileShareRoots: string[];
}

/** Reads and validates the environment once. Empty strings count as unset. */
export function loadConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'} ${issue.message}`));
  }
  const config = parsed.data;
  const problems: string[] = [];
  if (service === 'api' && (config.ADMIN_EMAIL === undefined) !== (config.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together (they create the first admin)');
  }
  if ((config.GATEWAY_TLS_CERT_FILE === undefined) !== (config.GATEWAY_TLS_KEY_FILE === undefined)) {
    problems.push('GATEWAY_TLS_CERT_FILE and GATEWAY_TLS_KEY_FILE must be set together (HTTPS for agents)');
  }
  problems.push(...exampleSecretProblems(config));
  const fileShareRoots = parseFileShareRoots(config.FILE_SHARE_ROOTS);
  problems.push(...fileShareRoots.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, service, fileShareRoots: fileShareRoots.roots };
}

/** The values deploy/example.env ships with are public: a service never runs with one of them. */
function exampleSecretProblems(config: Env): string[] {
  const problems: string[] = [];
  if (isExampleSecretKey(config.SECRET_KEY)) {
    problems.push('SECRET_KEY is the example (all-zero) key: generate a real one with openssl rand -hex 32');
  }
  if (config.ADMIN_PASSWORD === EXAMPLE_ADMIN_PASSWORD) {
    problems.push('ADMIN_PASSWORD is the example password from deploy/example.env: choose a real one');
  }
  if (decodeURIComponent(new URL(config.DATABASE_URL).password) === EXAMPLE_DATABASE_PASSWORD) {
    problems.push('DATABASE_URL uses the example password from deploy/example.env: set a real Postgres password');
  }
  if (decodeURIComponent(new URL(config.REDIS_URL).password) === EXAMPLE_REDIS_PASSWORD) {
    problems.push('REDIS_URL uses the example password from deploy/example.env: set a real Redis password');
  }
  return problems;
}

/** Describes the variables for documentation and --help output. */
export function describeVariables(): Array<{ name: string; optional: boolean }> {
  return Object.entries(envSchema.shape).map(([name, schema]) => ({ name, optional: (schema as z.ZodType).safeParse(undefined).success }));
}
