export { envSchema, type Env } from './env.schema.js';
export { ConfigError, loadConfig, describeVariables, type AppConfig, type ServiceName } from './load-config.js';
export { isUnderFileShareRoot, parseFileShareRoots } from './file-share-roots.js';
