export { bootService, type ServiceDefinition } from './boot.js';
export { HealthController, READINESS_CHECKS, type ReadinessCheck } from './health.controller.js';
export { censorSecrets, pinoOptions, structuredLogging, redactedPaths } from './logger.module.js';
export { postgresAndRedisReadiness } from './readiness.js';
export { IS_PUBLIC, Public } from './public.decorator.js';
