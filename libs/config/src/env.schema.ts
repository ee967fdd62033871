import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const postgresUrl = z
  .string({ error: 'is required (e.g. postgres://backtrac:secret@127.0.0.1:5432/backtrac)' })
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && url.pathname.length > 1;
    } catch {
      return false;
    }
  }, 'must be a postgres:// URL with a host and a database name (e.g. postgres://user:pass@host:5432/backtrac)');

const redisUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'redis:' || url.protocol === 'rediss:';
  } catch {
    return false;
  }
}, 'must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)');

// 32 bytes, given as 64 hex characters or base64: the AES-256-GCM key for secrets at rest.
const secretKey = z
  .string({ error: 'is required: 32 random bytes as 64 hex characters (openssl rand -hex 32)' })
  .transform((value, ctx) => {
    const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'must be 32 bytes: 64 hex characters or 44 base64 characters (openssl rand -hex 32)' });
      return z.NEVER;
    }
    return key;
  });

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_:-]+$/, 'may contain only letters, digits, _ : -').default('backtrac'),
  STORE_ROOT: z.string().startsWith('/', 'must be an absolute path').default('/var/lib/backtrac/store'),
  SECRET_KEY: secretKey,
  /** Only for `backtrac-maintenance reseal-secrets`: the key the catalog's secrets are sealed with now. */
  SECRET_KEY_PREVIOUS: secretKey.optional(),
  BIND_ADDRESS: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IP address to listen on, e.g. 0.0.0.0 or 127.0.0.1' }).default('0.0.0.0'),
  API_PORT: port(8080),
  SCHEDULER_PORT: port(8081),
  COPY_WORKER_PORT: port(8082),
  GATEWAY_PORT: port(8083),
  GATEWAY_RPC_PORT: port(9090),
  ADMIN_EMAIL: z.email('must be an e-mail address').optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  CONSOLE_DIR: z.string().optional(),
  /** The session cookie is Secure (and named __Host-bt_session) unless this is false, for plain-HTTP development. */
  COOKIE_SECURE: bool(true),
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (sign-in limits, audit). */
  API_TRUST_FORWARDED_FOR: bool(false),
  /** Serve /api/docs and /api/openapi.json to anyone, not only to signed-in users. */
  API_DOCS_PUBLIC: bool(false),
  /** The console's public address (https://backup.example.com); its origin may send state-changing requests too. */
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. https://backup.example.com' }).optional(),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(12),
  COPY_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  JOB_LOCK_SECONDS: z.coerce.number().int().min(2).max(3600).default(60),
  FILES_IN_FLIGHT: z.coerce.number().int().min(1).max(256).default(16),
  SCHEDULER_TICK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  SCHEDULER_MAX_BACKUPS: z.coerce.number().int().min(1).max(10000).default(8),
  SCHEDULER_MAX_BACKUPS_PER_SITE: z.coerce.number().int().min(1).max(10000).default(4),
  DISK_GUARD_MAX_USAGE_PERCENT: z.coerce.number().min(1).max(100).default(95),
  GATEWAY_ALLOW_UNSOLICITED_ENROLMENT: bool(false),
  GATEWAY_TLS_CERT_FILE: z.string().startsWith('/', 'must be an absolute path to a PEM certificate').optional(),
  GATEWAY_TLS_KEY_FILE: z.string().startsWith('/', 'must be an absolute path to a PEM private key').optional(),
  GATEWAY_TRUST_FORWARDED_FOR: bool(false),
  /** Open XML-RPC connections one address may hold (raise it behind a reverse proxy). */
  GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(32),
  AGENT_HEARTBEAT_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
  /** Webhooks may go to loopback, private, link-local and metadata addresses (off: only public ones). */
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: bool(false),
  /** Comma-separated directories a file:// share may point into; none by default (see file-share-roots.ts). */
  FILE_SHARE_ROOTS: z.string().optional(),
  /** What agents are told to enrol with (the enrol command), e.g. https://backup.example.com:9090/RPC2. */
  GATEWAY_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be the http(s):// URL agents reach the gateway at, e.g. https://backup.example.com:9090/RPC2' }).optional(),
  XMLRPC_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
});

export type Env = z.infer<typeof envSchema>;
