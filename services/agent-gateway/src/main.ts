import { readFileSync } from 'node:fs';
import { Logger } from 'nestjs-pino';
import { bootService } from '@backtrac/runtime';
import { XmlRpcServer } from '@backtrac/xmlrpc';
import { AgentGatewayModule } from './agent-gateway.module.js';

// HTTP on GATEWAY_PORT serves health; agents speak XML-RPC on GATEWAY_RPC_PORT.
await bootService({
  service: 'agent-gateway',
  module: (config) => AgentGatewayModule.forRoot(config),
  port: (config) => config.GATEWAY_PORT,
  async configure(app, config) {
    const logger = app.get(Logger);
    const tls = config.GATEWAY_TLS_CERT_FILE && config.GATEWAY_TLS_KEY_FILE
      ? { cert: readFileSync(config.GATEWAY_TLS_CERT_FILE), key: readFileSync(config.GATEWAY_TLS_KEY_FILE) }
      : undefined;
    app.connectMicroservice(
      {
        strategy: new XmlRpcServer({
          port: config.GATEWAY_RPC_PORT,
          host: config.BIND_ADDRESS,
          path: '/RPC2',
          limits: { maxBodyBytes: config.XMLRPC_MAX_BODY_BYTES },
          tls,
          trustForwardedFor: config.GATEWAY_TRUST_FORWARDED_FOR,
          // Agents' calls are short; a connection silent this long is a slow-body attack or dead.
          idleTimeoutMs: 20_000,
          maxConnectionsPerAddress: config.GATEWAY_MAX_CONNECTIONS_PER_ADDRESS,
          onInternalError: (error, method) => logger.error({ err: error, method }, 'XML-RPC handler failed'),
        }),
      },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
    logger.log(`XML-RPC for agents on ${tls ? 'https' : 'http'} port ${config.GATEWAY_RPC_PORT} at /RPC2`);
  },
});
