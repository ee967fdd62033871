import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig, type AppConfig, type ServiceName } from '@backtrac/config';

export interface ServiceDefinition {
  service: ServiceName;
  /** Builds the root module from the validated configuration. */
  module(config: AppConfig): unknown;
  port(config: AppConfig): number;
  /** false: no body parser is registered unless configure() adds one (the api takes JSON only). */
  bodyParser?: boolean;
  /** Extra wiring before listening (pipes, filters, static files, OpenAPI). */
  configure?(app: NestExpressApplication, config: AppConfig): void | Promise<void>;
}

/** Prints one clear line for an admin and exits non-zero: used for every start-up failure. */
function fail(service: string, message: string): never {
  process.stderr.write(`backtrac-${service}: ${message}\n`);
  process.exit(1);
}

/**
 * Starts a service as a plain process: validated config, JSON logs, /healthz and /readyz,
 * clean shutdown on SIGTERM/SIGINT. Any start-up failure ends the process with a message
 * naming what is wrong (a variable, an unreachable database) instead of a stack trace.
 */
export async function bootService(definition: ServiceDefinition): Promise<INestApplication> {
  let config: AppConfig;
  try {
    config = loadConfig(definition.service);
  } catch (error) {
    if (error instanceof ConfigError) fail(definition.service, error.message);
    throw error;
  }
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(definition.module(config) as never, {
      bufferLogs: true,
      abortOnError: false,
      bodyParser: definition.bodyParser ?? true,
    });
  } catch (error) {
    fail(definition.service, error instanceof Error ? error.message : String(error));
  }
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  app.disable('x-powered-by');
  await definition.configure?.(app, config);
  const port = definition.port(config);
  try {
    await app.listen(port, config.BIND_ADDRESS);
  } catch (error) {
    fail(definition.service, `cannot listen on port ${port}: ${error instanceof Error ? error.message : String(error)}`);
  }
  app.get(Logger).log(`backtrac-${definition.service} ready on port ${port}`);
  return app;
}
