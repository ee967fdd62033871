export * from './entities/index.js';
export { catalogMigrations } from './migrations/index.js';
export { createCatalogDataSource, describeConnectionError, type CatalogConnectionOptions } from './data-source.js';
export { SecretBox } from './crypto/secret-box.js';
export { EntityRepository } from './repositories/entity.repository.js';
export * from './repositories/catalog.repositories.js';
export * from './repositories/run-recorder.repository.js';
export * from './repositories/snapshot-catalog.repository.js';
export { CatalogModule, CatalogUnavailableError, openCatalog, type CatalogModuleOptions } from './catalog.module.js';
