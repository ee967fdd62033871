import { type DynamicModule, type FactoryProvider, Module } from '@nestjs/common';
import { type AlertLedger, AlertDispatchService, InMemoryAlertLedger } from './alert-dispatch.service.js';
import { SmtpMailerRepository } from './smtp-mailer.repository.js';
import { WebhookSenderRepository } from './webhook-sender.repository.js';

export const ALERT_LEDGER = Symbol('ALERT_LEDGER');

export interface AlertDeliveryOptions {
  /**
   * Remembers what was sent, for throttling repeats: shared in Redis where alerts are raised
   * continuously (the scheduler), in memory (the default) for one-off sends such as the console's
   * test alert.
   */
  ledger?: Omit<FactoryProvider<AlertLedger>, 'provide'>;
  /** WEBHOOK_ALLOW_PRIVATE_ADDRESSES: webhooks may reach loopback, link-local and private ranges. */
  allowPrivateWebhooks?: boolean;
}

/** AlertDispatchService with its channels (SMTP, signed webhooks) and a ledger of what was sent. */
@Module({})
export class AlertDeliveryModule {
  static forRoot({ ledger = { useFactory: () => new InMemoryAlertLedger() }, allowPrivateWebhooks = false }: AlertDeliveryOptions = {}): DynamicModule {
    return {
      module: AlertDeliveryModule,
      providers: [
        { provide: SmtpMailerRepository, useFactory: () => new SmtpMailerRepository() },
        { provide: WebhookSenderRepository, useFactory: () => new WebhookSenderRepository(10_000, allowPrivateWebhooks) },
        { provide: ALERT_LEDGER, ...ledger },
        {
          provide: AlertDispatchService,
          inject: [SmtpMailerRepository, WebhookSenderRepository, ALERT_LEDGER],
          useFactory: (mailer: SmtpMailerRepository, webhooks: WebhookSenderRepository, sent: AlertLedger) => new AlertDispatchService(mailer, webhooks, sent),
        },
      ],
      exports: [AlertDispatchService],
    };
  }
}
