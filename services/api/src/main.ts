import { ValidationPipe } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import { fileURLToPath } from 'node:url';
import { Logger } from 'nestjs-pino';
import { bootService } from '@backtrac/runtime';
import { ApiModule } from './api.module.js';
import { SessionRepository } from '@backtrac/catalog';
import { crossSiteRequestGuard } from './auth/cross-site.middleware.js';
import { docsAccess } from './auth/docs-access.middleware.js';
import { sessionCookieName } from './auth/session.guard.js';
import { serveConsole } from './console-static.js';
import { buildOpenApiDocument } from './openapi.js';

const defaultConsoleDir = fileURLToPath(new URL('../../../frontend/dist/browser', import.meta.url));

await bootService({
  service: 'api',
  module: (config) => ApiModule.forRoot(config),
  port: (config) => config.API_PORT,
  // JSON only: no urlencoded parser, so a plain HTML form on another site cannot post to the api.
  bodyParser: false,
  configure(app, config) {
    // One proxy hop: the address it puts last in X-Forwarded-For is the client's.
    if (config.API_TRUST_FORWARDED_FOR) app.set('trust proxy', 1);
    app.use(crossSiteRequestGuard(config.PUBLIC_URL));
    app.use(cookieParser());
    app.useBodyParser('json', { limit: '1mb' });
    app.setGlobalPrefix('api', { exclude: ['healthz', 'readyz'] });
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }));
    if (!config.API_DOCS_PUBLIC) app.use(['/api/docs', '/api/openapi.json'], docsAccess(app.get(SessionRepository), sessionCookieName(config.COOKIE_SECURE)));
    const document = buildOpenApiDocument(app);
    SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/openapi.json' });
    const consoleDir = config.CONSOLE_DIR ?? defaultConsoleDir;
    if (!serveConsole(app, consoleDir)) app.get(Logger).warn(`no built console at ${consoleDir}; serving the API only`);
  },
});
