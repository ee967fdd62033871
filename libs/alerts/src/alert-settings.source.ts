import type { AlertSettingsRecord } from '@backtrac/catalog';
import { DEFAULT_UNUSUAL_RUN, type UnusualRunThresholds } from './unusual-run.js';
import type { AlertSettings } from './alert-dispatch.service.js';
import { ALERT_TYPES, type AlertType } from './alert.types.js';

/** Everything the scheduler's alerting reads from the catalog's alert settings. */
export interface LoadedAlertSettings {
  alerts: AlertSettings;
  unusual: UnusualRunThresholds;
  /** 0: off. */
  notBackedUpDays: number;
  /** 0: off. */
  agentOfflineHours: number;
  /** Local hour of the daily digest; null: no digest. */
  digestHour: number | null;
}

const isAlertType = (value: string): value is AlertType => (ALERT_TYPES as readonly string[]).includes(value);

/**
 * Turns the stored row into dispatcher settings, opening the sealed secrets with `open`
 * (SecretBox.open). Email is a channel only with a host, a sender and at least one recipient.
 */
export function alertSettingsFromRecord(record: AlertSettingsRecord, open: (sealed: string) => string): LoadedAlertSettings {
  const email =
    record.smtpHost && record.mailFrom && record.recipients.length > 0
      ? {
          host: record.smtpHost,
          port: record.smtpPort,
          secure: record.smtpSecure,
          requireTls: record.smtpRequireTls,
          username: record.smtpUsername,
          password: record.smtpPasswordSealed ? open(record.smtpPasswordSealed) : null,
          from: record.mailFrom,
          to: [...record.recipients],
        }
      : null;
  return {
    alerts: {
      serverName: record.serverName,
      ...(record.consoleUrl ? { consoleUrl: record.consoleUrl } : {}),
      timeZone: record.timeZone,
      email,
      webhooks: record.webhooks.map((hook) => ({ url: hook.url, secret: hook.secretSealed ? open(hook.secretSealed) : null, types: hook.types.filter(isAlertType) })),
      enabledTypes: record.enabledTypes.filter(isAlertType),
      repeatHours: record.repeatHours,
    },
    unusual: { ...DEFAULT_UNUSUAL_RUN, maxChangedShare: record.unusualRunShare },
    notBackedUpDays: record.notBackedUpDays,
    agentOfflineHours: record.agentOfflineHours,
    digestHour: record.digestHour,
  };
}
