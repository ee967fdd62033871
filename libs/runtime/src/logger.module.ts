import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { AppConfig } from '@backtrac/config';

/** Paths pino must never print: cookies and credentials of the HTTP request and response. */
export const redactedPaths = ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'];

const SECRET_KEY_NAME = /^pass$|password|passwd|secret|token|authorization|cookie|api[-_]?key|private[-_]?key|sealed/i;
const CENSOR = '[redacted]';
const MAX_DEPTH = 10;

/**
 * A copy of a log line's fields with every string under a secret-sounding key censored, at any
 * depth (pino's own redaction paths match fixed depths only). Only plain objects and arrays are
 * walked; requests, errors and class instances go to their serializers untouched.
 */
export function censorSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  const isArray = Array.isArray(value);
  if (!isArray && proto !== Object.prototype && proto !== null) return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (isArray) return (value as unknown[]).map((item) => censorSecrets(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEY_NAME.test(key) && (typeof item === 'string' || Buffer.isBuffer(item)) ? CENSOR : censorSecrets(item, depth + 1, seen);
  }
  return out;
}

/** The pino options every service logs with (exported for the test that proves the redaction). */
export function pinoOptions(config: Pick<AppConfig, 'service' | 'LOG_LEVEL'>): PinoHttpOptions {
  return {
    level: config.LOG_LEVEL,
    base: { service: config.service },
    redact: { paths: redactedPaths, censor: CENSOR },
    formatters: { log: (fields) => censorSecrets(fields) as Record<string, unknown> },
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    customProps: () => ({ service: config.service }),
  };
}

/** JSON logs with the service name on every line (and the job id where a job logs). */
export function structuredLogging(config: Pick<AppConfig, 'service' | 'LOG_LEVEL'>): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: pinoOptions(config) });
}
