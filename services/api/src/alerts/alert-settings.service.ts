import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { AlertSettingsRepository, type AlertSettingsRecord, AuditLogRepository, SecretBox, type StoredWebhook, type User } from '@backtrac/catalog';
import { AlertDispatchService, alertSettingsFromRecord, checkWebhookHost, WebhookAddressError } from '@backtrac/alerts';
import { API_CONFIG, type ApiConfig } from '../common/api-config.js';
import { AlertSettingsDto, type TestAlertResultDto, type UpdateAlertSettingsDto } from './alert-settings.dto.js';

/** Alert settings in the catalog; secrets go in sealed and never come out. */
@Injectable()
export class AlertSettingsService {
  constructor(
    private readonly dispatcher: AlertDispatchService,
    private readonly settings: AlertSettingsRepository,
    private readonly box: SecretBox,
    private readonly audit: AuditLogRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async get(): Promise<AlertSettingsDto> {
    const saved = await this.settings.find();
    return AlertSettingsDto.from(saved ?? (await this.settings.get()), saved !== null);
  }

  async update(actor: string, input: UpdateAlertSettingsDto): Promise<AlertSettingsDto> {
    const current = await this.settings.get();
    const changes: Partial<AlertSettingsRecord> = {};
    if (input.serverName !== undefined) changes.serverName = input.serverName;
    if (input.consoleUrl !== undefined) changes.consoleUrl = input.consoleUrl;
    if (input.timeZone !== undefined) changes.timeZone = input.timeZone;
    if (input.smtp !== undefined) {
      const smtp = input.smtp;
      if (smtp.host !== undefined) changes.smtpHost = smtp.host || null;
      if (smtp.port !== undefined) changes.smtpPort = smtp.port;
      if (smtp.secure !== undefined) changes.smtpSecure = smtp.secure;
      if (smtp.requireTls !== undefined) changes.smtpRequireTls = smtp.requireTls;
      if (smtp.username !== undefined) changes.smtpUsername = smtp.username || null;
      if (smtp.password !== undefined) changes.smtpPasswordSealed = smtp.password ? this.box.seal(smtp.password) : null;
      // The stored password belongs to the old server: a new host gets it only when it is given again.
      else if (smtp.host !== undefined && (smtp.host || null) !== current.smtpHost) changes.smtpPasswordSealed = null;
    }
    if (input.from !== undefined) changes.mailFrom = input.from;
    if (input.recipients !== undefined) changes.recipients = [...new Set(input.recipients)];
    if (input.webhooks !== undefined) {
      const urls = input.webhooks.map((hook) => hook.url);
      if (new Set(urls).size !== urls.length) throw new BadRequestException('webhooks must not list the same url twice');
      for (const url of urls) {
        try {
          checkWebhookHost(new URL(url), this.config.WEBHOOK_ALLOW_PRIVATE_ADDRESSES);
        } catch (error) {
          if (error instanceof WebhookAddressError) throw new BadRequestException(error.message);
          throw error;
        }
      }
      const previous = new Map(current.webhooks.map((hook) => [hook.url, hook]));
      changes.webhooks = input.webhooks.map(
        (hook): StoredWebhook => ({
          url: hook.url,
          // Omitted: the secret already stored for this URL stays (the console never sees it).
          secretSealed: hook.secret === undefined ? (previous.get(hook.url)?.secretSealed ?? null) : hook.secret ? this.box.seal(hook.secret) : null,
          types: [...new Set(hook.types ?? [])],
        }),
      );
    }
    if (input.notBackedUpDays !== undefined) changes.notBackedUpDays = input.notBackedUpDays;
    if (input.agentOfflineHours !== undefined) changes.agentOfflineHours = input.agentOfflineHours;
    if (input.unusualRunShare !== undefined) changes.unusualRunShare = input.unusualRunShare;
    if (input.digestHour !== undefined) changes.digestHour = input.digestHour;
    if (input.enabledTypes !== undefined) changes.enabledTypes = [...new Set(input.enabledTypes)];
    if (input.repeatHours !== undefined) changes.repeatHours = input.repeatHours;
    const saved = await this.settings.save(changes);
    await this.audit.record({ actor, action: 'alert-settings.update', details: { fields: Object.keys(input) } });
    return AlertSettingsDto.from(saved, true);
  }

  /**
   * Sends a test alert through every configured channel and reports each one. Why a channel
   * failed (connection refused, a status code) says what listens where on the server's network,
   * so only an admin gets the reason; others learn that it failed.
   */
  async sendTest(user: Pick<User, 'email' | 'role'>): Promise<TestAlertResultDto> {
    const actor = user.email;
    const loaded = alertSettingsFromRecord(await this.settings.get(), (sealed) => this.box.open(sealed));
    const now = new Date();
    const result = await this.dispatcher.dispatch({ type: 'test', at: now, requestedBy: actor }, loaded.alerts, now);
    if (!result.sent) {
      throw new BadRequestException('no alert channel is configured: set an SMTP host, a from address and recipients, or add a webhook');
    }
    await this.audit.record({ actor, action: 'alert-settings.test', details: { results: result.results.map((r) => ({ channel: r.channel, target: r.target, ok: r.ok })) } });
    const reason = (error: string): string => (user.role === 'admin' ? error : 'delivery failed (an admin can see why)');
    return { ok: result.results.some((r) => r.ok), results: result.results.map((r) => ({ channel: r.channel, target: r.target, ok: r.ok, ...(r.error ? { error: reason(r.error) } : {}) })) };
  }
}
