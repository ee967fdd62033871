import { type AlertContext, composeAlert } from './alert-message.js';
import { shouldSend } from './alert-rules.js';
import type { AlertEvent, AlertType } from './alert.types.js';
import type { MailDelivery, SmtpSettings } from './smtp-mailer.repository.js';
import type { WebhookDelivery, WebhookTarget } from './webhook-sender.repository.js';
import type { AlertMessage, WebhookPayload } from './alert-message.js';

export interface AlertSettings extends AlertContext {
  email: SmtpSettings | null;
  webhooks: readonly (WebhookTarget & { types?: readonly AlertType[] })[];
  /** Types that are sent at all ('test' always is). */
  enabledTypes: readonly AlertType[];
  /** A standing condition is re-announced after this many hours (0: once). */
  repeatHours: number;
}

/** Standing conditions repeat while they last; the others are one-off events. */
const STANDING: ReadonlySet<AlertType> = new Set(['not-backed-up', 'agent-offline', 'disk-guard']);

export interface Mailer {
  send(settings: SmtpSettings, message: AlertMessage): Promise<MailDelivery>;
}
export interface WebhookSender {
  post(target: WebhookTarget, payload: WebhookPayload, now?: Date): Promise<WebhookDelivery>;
}
/** Remembers when each dedupe key was last announced (Redis or the catalog in production). */
export interface AlertLedger {
  lastSent(key: string): Promise<Date | null>;
  markSent(key: string, at: Date): Promise<void>;
}

export interface ChannelResult {
  channel: 'email' | 'webhook';
  target: string;
  ok: boolean;
  error?: string;
}

export type DispatchResult =
  | { sent: false; skipped: 'disabled' | 'throttled' | 'no-channel'; dedupeKey: string }
  | { sent: true; dedupeKey: string; results: ChannelResult[] };

export class InMemoryAlertLedger implements AlertLedger {
  private readonly map = new Map<string, Date>();
  async lastSent(key: string): Promise<Date | null> {
    return this.map.get(key) ?? null;
  }
  async markSent(key: string, at: Date): Promise<void> {
    this.map.set(key, at);
  }
}

/**
 * Composes an alert once and hands it to every configured channel. One broken channel does not
 * stop the others; the condition counts as announced when at least one channel took it.
 */
export class AlertDispatchService {
  constructor(
    private readonly mailer: Mailer,
    private readonly webhooks: WebhookSender,
    private readonly ledger: AlertLedger,
  ) {}

  async dispatch(event: AlertEvent, settings: AlertSettings, now: Date): Promise<DispatchResult> {
    const message = composeAlert(event, settings);
    const isTest = event.type === 'test';
    if (!isTest && !settings.enabledTypes.includes(event.type)) return { sent: false, skipped: 'disabled', dedupeKey: message.dedupeKey };
    if (!isTest) {
      const last = await this.ledger.lastSent(message.dedupeKey);
      if (!shouldSend(last, now, STANDING.has(event.type) ? settings.repeatHours : 0)) {
        return { sent: false, skipped: 'throttled', dedupeKey: message.dedupeKey };
      }
    }
    const jobs: Promise<ChannelResult>[] = [];
    if (settings.email && settings.email.to.length > 0) {
      const email = settings.email;
      jobs.push(
        this.mailer.send(email, message).then(
          (): ChannelResult => ({ channel: 'email', target: email.to.join(', '), ok: true }),
          (err: Error): ChannelResult => ({ channel: 'email', target: email.to.join(', '), ok: false, error: err.message }),
        ),
      );
    }
    for (const hook of settings.webhooks) {
      if (hook.types && hook.types.length > 0 && !isTest && !hook.types.includes(event.type)) continue;
      jobs.push(
        this.webhooks.post(hook, message.payload, now).then(
          (): ChannelResult => ({ channel: 'webhook', target: hook.url, ok: true }),
          (err: Error): ChannelResult => ({ channel: 'webhook', target: hook.url, ok: false, error: err.message }),
        ),
      );
    }
    if (jobs.length === 0) return { sent: false, skipped: 'no-channel', dedupeKey: message.dedupeKey };
    const results = await Promise.all(jobs);
    if (!isTest && results.some((r) => r.ok)) await this.ledger.markSent(message.dedupeKey, now);
    return { sent: true, dedupeKey: message.dedupeKey, results };
  }
}
