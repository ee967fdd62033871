export { planRetention, validateRetentionPolicy, type KeepReason, type KeepRule, type RetentionPlan, type RetentionPolicy, type SnapshotInfo } from './retention-plan.js';
export { RetentionService, type ClientRetention, type ClientRetentionPlan, type RetentionSource } from './retention.service.js';
export { RetentionModule } from './retention.module.js';
// Calendar arithmetic in a time zone: retention's daily/weekly buckets, and the scheduler's windows.
export { civilDayNumber, isValidTimeZone, localParts, type LocalParts } from './zoned-time.js';
