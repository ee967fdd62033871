export * from './postgres.js';
export * from './redis.js';
export * from './services.js';
