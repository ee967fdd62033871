export * from './xmlrpc.errors.js';
export {
  DEFAULT_LIMITS,
  BodyTooLargeError,
  ByteBudget,
  ServerBusyError,
  parseMethodCall,
  parseMethodResponse,
  serializeCall,
  serializeResponse,
  serializeFault,
  type XmlRpcValue,
  type XmlRpcStruct,
  type XmlRpcLimits,
  type ParsedCall,
} from './xmlrpc.codec.js';
export * from './xmlrpc.methods.js';
export * from './xmlrpc.endpoint.js';
export * from './xmlrpc.server.js';
export * from './xmlrpc.client.js';
export * from './agent-protocol.js';
