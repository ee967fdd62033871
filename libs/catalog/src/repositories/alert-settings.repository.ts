import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type DeepPartial, type Repository } from 'typeorm';
import { AlertSettingsRecord } from '../entities/alert-settings.entity.js';

/** The single alert-settings row; reading before anyone saved gives the defaults. */
@Injectable()
export class AlertSettingsRepository {
  private readonly repo: Repository<AlertSettingsRecord>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.repo = dataSource.getRepository(AlertSettingsRecord);
  }

  /** Null until settings were saved once (alerting is then not configured). */
  find(): Promise<AlertSettingsRecord | null> {
    return this.repo.findOneBy({ id: 1 });
  }

  /** The saved row, or an unsaved one holding the column defaults. */
  async get(): Promise<AlertSettingsRecord> {
    return (await this.find()) ?? this.defaults();
  }

  async save(changes: DeepPartial<AlertSettingsRecord>): Promise<AlertSettingsRecord> {
    const current = await this.get();
    await this.repo.save(this.repo.merge(current, { ...changes, id: 1 }));
    return (await this.find())!;
  }

  private defaults(): AlertSettingsRecord {
    return this.repo.create({
      id: 1, serverName: 'BackTrac', consoleUrl: null, timeZone: 'UTC', smtpHost: null, smtpPort: 587, smtpSecure: false, smtpRequireTls: false,
      smtpUsername: null, smtpPasswordSealed: null, mailFrom: '', recipients: [], webhooks: [], notBackedUpDays: 3, agentOfflineHours: 24,
      unusualRunShare: 0.3, digestHour: null,
      enabledTypes: ['run-failed', 'not-backed-up', 'agent-offline', 'disk-guard', 'verify-corruption', 'unusual-run'], repeatHours: 24, updatedAt: new Date(0),
    });
  }
}
