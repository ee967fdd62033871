import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A webhook as stored: the HMAC secret only sealed (SecretBox), never in clear. */
export interface StoredWebhook {
  url: string;
  secretSealed: string | null;
  /** Alert types this webhook receives; empty: all enabled ones. */
  types: string[];
}

/**
 * The installation's alerting setup: one row (id 1). Secrets (SMTP password, webhook HMAC
 * secrets) are sealed with the catalog's SecretBox and are never returned by the api.
 */
@Entity('alert_settings')
@Check('ck_alert_settings_single_row', '"id" = 1')
export class AlertSettingsRecord {
  @PrimaryColumn({ type: 'int', default: 1 }) id!: number;
  @Column({ name: 'server_name', type: 'text', default: 'BackTrac' }) serverName!: string;
  @Column({ name: 'console_url', type: 'text', nullable: true }) consoleUrl!: string | null;
  @Column({ name: 'time_zone', type: 'text', default: 'UTC' }) timeZone!: string;
  @Column({ name: 'smtp_host', type: 'text', nullable: true }) smtpHost!: string | null;
  @Column({ name: 'smtp_port', type: 'int', default: 587 }) smtpPort!: number;
  @Column({ name: 'smtp_secure', type: 'boolean', default: false }) smtpSecure!: boolean;
  @Column({ name: 'smtp_require_tls', type: 'boolean', default: false }) smtpRequireTls!: boolean;
  @Column({ name: 'smtp_username', type: 'text', nullable: true }) smtpUsername!: string | null;
  @Column({ name: 'smtp_password_sealed', type: 'text', nullable: true }) smtpPasswordSealed!: string | null;
  @Column({ name: 'mail_from', type: 'text', default: '' }) mailFrom!: string;
  @Column({ type: 'jsonb', default: () => `'[]'` }) recipients!: string[];
  @Column({ type: 'jsonb', default: () => `'[]'` }) webhooks!: StoredWebhook[];
  @Column({ name: 'not_backed_up_days', type: 'int', default: 3 }) notBackedUpDays!: number;
  @Column({ name: 'agent_offline_hours', type: 'int', default: 24 }) agentOfflineHours!: number;
  @Column({ name: 'unusual_run_share', type: 'double precision', default: 0.3 }) unusualRunShare!: number;
  /** Local hour (in timeZone) at which yesterday's digest goes out; null: no digest. */
  @Column({ name: 'digest_hour', type: 'int', nullable: true }) digestHour!: number | null;
  /** The row is only ever written whole by AlertSettingsRepository, which supplies the default list. */
  @Column({ name: 'enabled_types', type: 'jsonb', default: () => `'[]'` }) enabledTypes!: string[];
  /** A standing condition (overdue client, silent agent, full disk) is repeated after this many hours. */
  @Column({ name: 'repeat_hours', type: 'int', default: 24 }) repeatHours!: number;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
