export { AgentRpcModule } from './agent-rpc.module.js';
export { type AgentRpcOptions, isAgentOnline } from './agent-rpc.options.js';
export { journalSince } from './change-journal.service.js';
