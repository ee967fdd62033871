import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('BackTrac API')
    .setDescription('Clients, shares, schedules, retention, runs, browse and restore. Every endpoint but login and health needs the session cookie (__Host-bt_session; bt_session when COOKIE_SECURE=false).')
    .setVersion('0.1.0')
    .addCookieAuth('__Host-bt_session')
    .build();
  return SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` });
}
