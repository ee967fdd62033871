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
    app.connectMicroservice(
      {
        strategy: new XmlRpcServer({
          port: config.GATEWAY_RPC_PORT,
          host: config.BIND_ADDRESS,
          path: '/RPC2',
          limits: { maxBodyBytes: config.XMLRPC_MAX_BODY_BYTES },
          onInternalError: (error, method) => logger.error({ err: error, method }, 'XML-RPC handler failed'),
        }),
      },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
    logger.log(`XML-RPC for agents on port ${config.GATEWAY_RPC_PORT} at /RPC2`);
  },
});
