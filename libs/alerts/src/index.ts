export * from './alert.types.js';
export { composeAlert, escapeHtml, formatBytes, formatWhen, type AlertContext, type AlertMessage, type WebhookPayload } from './alert-message.js';
export {
  AlertDispatchService, InMemoryAlertLedger, type AlertLedger, type AlertSettings, type ChannelResult, type DispatchResult, type Mailer, type WebhookSender,
} from './alert-dispatch.service.js';
export { AlertDeliveryModule, ALERT_LEDGER, type AlertDeliveryOptions } from './alert-delivery.module.js';
export { checkWebhookHost, WebhookAddressError } from './webhook-address.js';
export { RedisAlertLedgerRepository } from './alert-ledger.repository.js';
export { offlineAgents, overdueClients, shouldSend, type AgentHeartbeat, type ClientBackupStatus } from './alert-rules.js';
export { alertSettingsFromRecord, type LoadedAlertSettings } from './alert-settings.source.js';
export { SmtpMailerRepository, type MailDelivery, type SmtpSettings } from './smtp-mailer.repository.js';
export { WebhookDeliveryError, WebhookSenderRepository, type WebhookDelivery, type WebhookTarget } from './webhook-sender.repository.js';
export { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER, verifyWebhook } from './webhook-signature.js';
export { DEFAULT_UNUSUAL_RUN, detectUnusualRun, type RunChangeCounts, type UnusualRunThresholds, type UnusualRunVerdict } from './unusual-run.js';
