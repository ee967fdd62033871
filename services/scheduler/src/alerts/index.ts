// Alert delivery as a narrow subpath export (`@backtrac/scheduler/alerts`), so the api's "send a
// test alert" goes through exactly the code the scheduler alerts with.
export { AlertDispatchService, InMemoryAlertLedger, type AlertSettings, type ChannelResult, type DispatchResult } from './alert-dispatch.service.js';
export { alertSettingsFromRecord, type LoadedAlertSettings } from './alert-settings.source.js';
export { SmtpMailerRepository, type SmtpSettings } from './smtp-mailer.repository.js';
export { WebhookSenderRepository, type WebhookTarget } from './webhook-sender.repository.js';
export { checkWebhookHost, WebhookAddressError } from './webhook-address.js';
export { ALERT_TYPES, type AlertType } from './alert.types.js';
