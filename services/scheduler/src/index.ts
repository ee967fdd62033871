// Public surface of the scheduler's logic, for wiring (scheduler.module.ts) and for the api
// (retention dry run, test alert, schedule validation). The package's "." export still points at
// main.ts; see the report to the lead.
export { validateCron, nextSlots, InvalidScheduleError } from './schedule/cron-slots.js';
export { validateWindow, type TimeWindow, type WindowPolicy, windowState, mayStart } from './schedule/time-window.js';
export { decideSlot, type ScheduleSpec, type ClientScheduleState, type SlotDecision } from './schedule/slot-decision.js';
export { backupJobId, slotStamp, parseSlotStamp, jitterMs } from './schedule/job-id.js';
export { admit, queuePriority, nextRetryAt, type Caps, type RetryPolicy } from './schedule/admission.js';
export { isFullBackupDue } from './schedule/full-backup.js';
export { planRetention, validateRetentionPolicy, type RetentionPolicy, type RetentionPlan, type SnapshotInfo, type KeepReason } from './retention/retention-plan.js';
export { RetentionService, type ClientRetentionPlan } from './retention/retention.service.js';
export { RetentionCatalogRepository } from './retention/retention-catalog.repository.js';
export { evaluateDiskGuard, DEFAULT_DISK_GUARD, type DiskGuardDecision, type DiskGuardThresholds, type StatFsNumbers } from './health/disk-guard.js';
export { detectUnusualRun, DEFAULT_UNUSUAL_RUN, type UnusualRunThresholds } from './health/unusual-run.js';
export * from './alerts/alert.types.js';
export { composeAlert, type AlertMessage, type AlertContext, type WebhookPayload } from './alerts/alert-message.js';
export { AlertDispatchService, InMemoryAlertLedger, type AlertSettings, type AlertLedger, type DispatchResult } from './alerts/alert-dispatch.service.js';
export { RedisAlertLedgerRepository } from './alerts/alert-ledger.repository.js';
export { AlertMonitorService, type MonitorSettings } from './alerts/alert-monitor.service.js';
export { AlertConditionsRepository } from './alerts/alert-conditions.repository.js';
export { RunAlertsService, RunAlertsListener, type RunLookup, type RunAlertSettingsSource } from './alerts/run-alerts.listener.js';
export { RunLookupRepository } from './alerts/run-lookup.repository.js';
export { alertsForFinishedRun, buildDailyDigest, digestDayDue, type FinishedRun } from './alerts/run-alerts.js';
export { SmtpMailerRepository, type SmtpSettings } from './alerts/smtp-mailer.repository.js';
export { WebhookSenderRepository, WebhookDeliveryError, type WebhookTarget } from './alerts/webhook-sender.repository.js';
export { signWebhook, verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './alerts/webhook-signature.js';
export { SchedulerTickService, type TickReport, type TickOptions } from './tick/scheduler-tick.service.js';
export { dueMaintenance, DEFAULT_MAINTENANCE, type MaintenanceSpec } from './tick/maintenance-planner.js';
export { schedulerProviders, type SchedulerWiring } from './scheduler.providers.js';
