import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '@backtrac/config';

/** Paths pino must never print: cookies, credentials and anything called password or secret. */
export const redactedPaths = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.passwordSealed',
  '*.secretHash',
];

/** JSON logs with the service name on every line (and the job id where a job logs). */
export function structuredLogging(config: Pick<AppConfig, 'service' | 'LOG_LEVEL'>): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: config.LOG_LEVEL,
      base: { service: config.service },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
      customProps: () => ({ service: config.service }),
    },
  });
}
