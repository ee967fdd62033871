export { AgentRpcModule } from './agent-rpc.module.js';
export { type AgentRpcOptions, isAgentOnline } from './agent-rpc.options.js';
