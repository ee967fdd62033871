import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Alert settings: one row, SMTP and webhook secrets sealed. */
export class AlertSettings1764150000000 implements MigrationInterface {
  name = 'AlertSettings1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "alert_settings" ("id" integer NOT NULL DEFAULT '1', "server_name" text NOT NULL DEFAULT 'BackTrac', "console_url" text, "time_zone" text NOT NULL DEFAULT 'UTC', "smtp_host" text, "smtp_port" integer NOT NULL DEFAULT '587', "smtp_secure" boolean NOT NULL DEFAULT false, "smtp_require_tls" boolean NOT NULL DEFAULT false, "smtp_username" text, "smtp_password_sealed" text, "mail_from" text NOT NULL DEFAULT '', "recipients" jsonb NOT NULL DEFAULT '[]', "webhooks" jsonb NOT NULL DEFAULT '[]', "not_backed_up_days" integer NOT NULL DEFAULT '3', "agent_offline_hours" integer NOT NULL DEFAULT '24', "unusual_run_share" double precision NOT NULL DEFAULT '0.3', "digest_hour" integer, "enabled_types" jsonb NOT NULL DEFAULT '[]', "repeat_hours" integer NOT NULL DEFAULT '24', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_alert_settings_single_row" CHECK ("id" = 1), CONSTRAINT "PK_9f318561ba481069150ca1fff62" PRIMARY KEY ("id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "alert_settings"`);
  }
}
