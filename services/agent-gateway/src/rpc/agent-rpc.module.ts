import { Module, type DynamicModule } from '@nestjs/common';
import { AgentAuthService } from './agent-auth.service.js';
import { AgentJobsService } from './agent-jobs.service.js';
import { AgentRpcController } from './agent-rpc.controller.js';
import { AGENT_RPC_OPTIONS, resolveAgentRpcOptions, type AgentRpcOptions } from './agent-rpc.options.js';
import { AgentStateService } from './agent-state.service.js';
import { ChangeJournalRepository } from './change-journal.repository.js';
import { ChangeJournalService } from './change-journal.service.js';
import { EnrolmentService } from './enrolment.service.js';
import { HeartbeatBufferRepository } from './heartbeat-buffer.repository.js';

/**
 * The agent protocol's handlers. Needs the global CatalogModule (DataSource, ShareRepository,
 * ScheduleRepository, AuditLogRepository), the global QueueModule (BackupJobProducer) and an
 * XmlRpcServer connected as a microservice:
 *
 *   imports: [CatalogModule.forRoot(...), QueueModule.forRoot(...), AgentRpcModule.forRoot({ secretKey, allowUnsolicitedEnrolment })]
 *   app.connectMicroservice({ strategy: new XmlRpcServer({ port: env.GATEWAY_RPC_PORT, limits: { maxBodyBytes: env.XMLRPC_MAX_BODY_BYTES } }) })
 */
@Module({})
export class AgentRpcModule {
  static forRoot(options: AgentRpcOptions): DynamicModule {
    return {
      module: AgentRpcModule,
      controllers: [AgentRpcController],
      providers: [
        { provide: AGENT_RPC_OPTIONS, useValue: resolveAgentRpcOptions(options) },
        ChangeJournalRepository,
        HeartbeatBufferRepository,
        AgentAuthService,
        EnrolmentService,
        AgentStateService,
        ChangeJournalService,
        AgentJobsService,
      ],
      exports: [AgentAuthService, AGENT_RPC_OPTIONS],
    };
  }
}
