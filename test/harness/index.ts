export * from './postgres.js';
export * from './redis.js';
export * from './services.js';
export * from './backups.js';
export * from './trees.js';
