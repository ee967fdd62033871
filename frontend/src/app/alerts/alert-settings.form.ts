import { AlertSettingsDto } from '../api/models/alert-settings-dto';
import { UpdateAlertSettingsDto } from '../api/models/update-alert-settings-dto';

export type AlertType = NonNullable<UpdateAlertSettingsDto['enabledTypes']>[number];

export const ALERT_TYPE_LABELS: Record<AlertType, string> = {
  'run-failed': 'A backup failed',
  'not-backed-up': 'A client was not backed up for N days',
  'agent-offline': 'An agent is offline for N hours',
  'disk-guard': 'The store is nearly full',
  'verify-corruption': 'Verify found corrupt files',
  'unusual-run': 'Unusually many files changed at once',
  'daily-digest': 'Daily digest',
};

export const ALERT_TYPES = Object.keys(ALERT_TYPE_LABELS) as AlertType[];

/** What the form holds: secrets are blank unless the admin types a new one. */
export interface AlertSettingsFormValue {
  serverName: string;
  consoleUrl: string;
  timeZone: string;
  smtpHost: string;
  smtpPort: number;
  smtpSecure: boolean;
  smtpRequireTls: boolean;
  smtpUsername: string;
  smtpPassword: string;
  removeSmtpPassword: boolean;
  from: string;
  recipients: string;
  webhooks: { url: string; secret: string; removeSecret: boolean; secretSet: boolean }[];
  notBackedUpDays: number;
  agentOfflineHours: number;
  unusualRunPercent: number;
  digestHour: number | null;
  enabledTypes: Record<AlertType, boolean>;
}

export function formValueFrom(settings: AlertSettingsDto): AlertSettingsFormValue {
  return {
    serverName: settings.serverName,
    consoleUrl: settings.consoleUrl ?? '',
    timeZone: settings.timeZone,
    smtpHost: settings.smtp.host ?? '',
    smtpPort: settings.smtp.port,
    smtpSecure: settings.smtp.secure,
    smtpRequireTls: settings.smtp.requireTls,
    smtpUsername: settings.smtp.username ?? '',
    smtpPassword: '',
    removeSmtpPassword: false,
    from: settings.from,
    recipients: settings.recipients.join(', '),
    webhooks: settings.webhooks.map((hook) => ({ url: hook.url, secret: '', removeSecret: false, secretSet: hook.secretSet })),
    notBackedUpDays: settings.notBackedUpDays,
    agentOfflineHours: settings.agentOfflineHours,
    unusualRunPercent: Math.round(settings.unusualRunShare * 100),
    digestHour: settings.digestHour,
    enabledTypes: Object.fromEntries(ALERT_TYPES.map((type) => [type, settings.enabledTypes.includes(type)])) as Record<AlertType, boolean>,
  };
}

/** Splits "a@x, b@y; c@z" into addresses. */
export function parseRecipients(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The PUT body. A secret left blank is left out (the stored one stays); "remove" sends null.
 */
export function updateBodyFrom(value: AlertSettingsFormValue): UpdateAlertSettingsDto {
  const secret = (typed: string, remove: boolean): string | null | undefined => (remove ? null : typed ? typed : undefined);
  const password = secret(value.smtpPassword, value.removeSmtpPassword);
  return {
    serverName: value.serverName.trim(),
    consoleUrl: value.consoleUrl.trim() || null,
    timeZone: value.timeZone.trim(),
    smtp: {
      host: value.smtpHost.trim() || null,
      port: value.smtpPort,
      secure: value.smtpSecure,
      requireTls: value.smtpRequireTls,
      username: value.smtpUsername.trim() || null,
      ...(password === undefined ? {} : { password }),
    },
    from: value.from.trim() || undefined,
    recipients: parseRecipients(value.recipients),
    webhooks: value.webhooks
      .filter((hook) => hook.url.trim())
      .map((hook) => {
        const hookSecret = secret(hook.secret, hook.removeSecret);
        return { url: hook.url.trim(), ...(hookSecret === undefined ? {} : { secret: hookSecret }) };
      }),
    notBackedUpDays: value.notBackedUpDays,
    agentOfflineHours: value.agentOfflineHours,
    unusualRunShare: value.unusualRunPercent / 100,
    digestHour: value.digestHour,
    enabledTypes: ALERT_TYPES.filter((type) => value.enabledTypes[type]),
  };
}
