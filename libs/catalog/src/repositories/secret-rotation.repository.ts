import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import type { StoredWebhook } from '../entities/alert-settings.entity.js';

export interface ResealReport {
  sharePasswords: number;
  smtpPasswords: number;
  webhookSecrets: number;
  /** Values that were already sealed under the new key (a second run after an interruption). */
  alreadyNew: number;
}

/**
 * Re-seals every secret the catalog keeps (share passwords, the SMTP password, webhook secrets)
 * from the previous SECRET_KEY to the new one, in one transaction: it either all moves or nothing
 * does. A value the previous key cannot open but the new one can was moved by an earlier run.
 */
@Injectable()
export class SecretRotationRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  reseal(previous: SecretBox, next: SecretBox): Promise<ResealReport> {
    const report: ResealReport = { sharePasswords: 0, smtpPasswords: 0, webhookSecrets: 0, alreadyNew: 0 };
    const move = (sealed: string): string => {
      let plain: string;
      try {
        plain = previous.open(sealed);
      } catch {
        next.open(sealed); // throws when neither key opens it: the admin gave the wrong previous key
        report.alreadyNew++;
        return sealed;
      }
      return next.seal(plain);
    };
    return this.dataSource.transaction(async (manager) => {
      const shares = (await manager.query(`SELECT id, password_sealed FROM shares WHERE password_sealed IS NOT NULL FOR UPDATE`)) as Array<{ id: string; password_sealed: string }>;
      for (const share of shares) {
        await manager.query(`UPDATE shares SET password_sealed = $1 WHERE id = $2`, [move(share.password_sealed), share.id]);
        report.sharePasswords++;
      }
      const settings = (await manager.query(`SELECT smtp_password_sealed, webhooks FROM alert_settings WHERE id = 1 FOR UPDATE`)) as Array<{
        smtp_password_sealed: string | null;
        webhooks: StoredWebhook[];
      }>;
      const row = settings[0];
      if (row) {
        const smtp = row.smtp_password_sealed === null ? null : move(row.smtp_password_sealed);
        if (smtp !== null) report.smtpPasswords++;
        const webhooks = row.webhooks.map((hook) => {
          if (hook.secretSealed === null) return hook;
          report.webhookSecrets++;
          return { ...hook, secretSealed: move(hook.secretSealed) };
        });
        await manager.query(`UPDATE alert_settings SET smtp_password_sealed = $1, webhooks = $2 WHERE id = 1`, [smtp, JSON.stringify(webhooks)]);
      }
      return report;
    });
  }
}
