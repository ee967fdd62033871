// The retention planner as a narrow subpath export (`@backtrac/scheduler/retention`): pure logic
// plus its catalog reads, so the copy worker (which carries out prune) and the api (dry run)
// evaluate policies with exactly the code the scheduler uses, without importing the scheduler.
export { planRetention, validateRetentionPolicy, type RetentionPolicy, type RetentionPlan, type SnapshotInfo, type KeepReason, type KeepRule } from './retention-plan.js';
export { RetentionService, type ClientRetention, type ClientRetentionPlan, type RetentionSource } from './retention.service.js';
export { RetentionCatalogRepository } from './retention-catalog.repository.js';
