import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The whole catalog as described in ARCHITECTURE.md. */
export class InitialCatalog1764130000000 implements MigrationInterface {
  name = 'InitialCatalog1764130000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of [
      `CREATE EXTENSION IF NOT EXISTS citext`,
      `CREATE TABLE "clients" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" citext NOT NULL, "hostname" text NOT NULL, "description" text NOT NULL DEFAULT '', "site" text NOT NULL DEFAULT 'default', "enabled" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_99e921caf21faa2aab020476e44" UNIQUE ("name"), CONSTRAINT "PK_f1ab7cf3a5714dbc6bb4e1c28a4" PRIMARY KEY ("id"))`,
      `CREATE TABLE "agents" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "client_id" uuid, "hostname" text NOT NULL, "os" text NOT NULL DEFAULT '', "version" text NOT NULL DEFAULT '', "callback_url" text, "secret_hash" text NOT NULL, "status" text NOT NULL DEFAULT 'pending', "enrolled_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_heartbeat_at" TIMESTAMP WITH TIME ZONE, "last_address" text, "journal_epoch" text, CONSTRAINT "PK_9c653f28ae19c5884d5baf6a1d9" PRIMARY KEY ("id"))`,
      `CREATE INDEX "IDX_09ca226fd0ddcafb5fc89cce60" ON "agents"  ("client_id")`,
      `CREATE TABLE "audit_log" ("id" BIGSERIAL NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor" text NOT NULL, "action" text NOT NULL, "target" text, "details" jsonb NOT NULL DEFAULT '{}', "address" text, CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id"))`,
      `CREATE INDEX "ix_audit_log_at" ON "audit_log"  ("at")`,
      `CREATE TABLE "backup_runs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "client_id" uuid NOT NULL, "job_id" text NOT NULL, "seq" integer, "kind" text NOT NULL DEFAULT 'incremental', "trigger" text NOT NULL DEFAULT 'manual', "state" text NOT NULL DEFAULT 'queued', "mode" text, "files_new" integer NOT NULL DEFAULT '0', "files_changed" integer NOT NULL DEFAULT '0', "files_unchanged" integer NOT NULL DEFAULT '0', "files_skipped" integer NOT NULL DEFAULT '0', "files_deleted" integer NOT NULL DEFAULT '0', "bytes_read" bigint NOT NULL DEFAULT '0', "bytes_stored_new" bigint NOT NULL DEFAULT '0', "bytes_total" bigint NOT NULL DEFAULT '0', "error" text, "attempts" integer NOT NULL DEFAULT '0', "queued_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_fae0096e47c04baf8723aa492e1" PRIMARY KEY ("id"))`,
      `CREATE UNIQUE INDEX "IDX_e4239860c019c3853c2971b6f2" ON "backup_runs"  ("job_id")`,
      `CREATE INDEX "ix_backup_runs_client_queued" ON "backup_runs"  ("client_id", "queued_at")`,
      `CREATE TABLE "change_journal_entries" ("id" BIGSERIAL NOT NULL, "share_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "epoch" text NOT NULL, "cursor" text NOT NULL, "path" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0c9c7d2047205992785fb25de3c" PRIMARY KEY ("id"))`,
      `CREATE INDEX "ix_change_journal_share_seq" ON "change_journal_entries"  ("share_id", "id")`,
      `CREATE TABLE "enrolment_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "token_hash" bytea NOT NULL, "client_id" uuid, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_1a77229ba9dd2d7b7e5355e8e95" PRIMARY KEY ("id"))`,
      `CREATE UNIQUE INDEX "IDX_ddff23a466e3065797969cfd14" ON "enrolment_tokens"  ("token_hash")`,
      `CREATE TABLE "file_versions" ("id" BIGSERIAL NOT NULL, "client_id" uuid NOT NULL, "parent" text NOT NULL, "name" text NOT NULL, "type" text NOT NULL, "size" bigint NOT NULL DEFAULT '0', "mtime" TIMESTAMP WITH TIME ZONE NOT NULL, "mode" integer NOT NULL DEFAULT '0', "sha256" text, "link_target" text, "first_seq" integer NOT NULL, "last_seq" integer, CONSTRAINT "PK_caca394bb05012a3d17c1d8b336" PRIMARY KEY ("id"))`,
      `CREATE UNIQUE INDEX "ix_file_versions_open" ON "file_versions"  ("client_id", "parent", "name") WHERE last_seq IS NULL`,
      `CREATE INDEX "ix_file_versions_dir" ON "file_versions"  ("client_id", "parent", "name", "first_seq")`,
      `CREATE TABLE "restores" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "client_id" uuid NOT NULL, "seq" integer NOT NULL, "paths" jsonb NOT NULL DEFAULT '[]', "target_share_id" uuid, "target_path" text NOT NULL DEFAULT '', "overwrite" boolean NOT NULL DEFAULT false, "state" text NOT NULL DEFAULT 'queued', "files_done" integer NOT NULL DEFAULT '0', "bytes_done" bigint NOT NULL DEFAULT '0', "error" text, "requested_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_1616b6cbb2df0bdeb75607c91f8" PRIMARY KEY ("id"))`,
      `CREATE TABLE "retention_policies" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" citext NOT NULL, "keep_last" integer NOT NULL DEFAULT '0', "keep_daily" integer NOT NULL DEFAULT '0', "keep_weekly" integer NOT NULL DEFAULT '0', "keep_monthly" integer NOT NULL DEFAULT '0', "keep_yearly" integer NOT NULL DEFAULT '0', "keep_within_days" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_cedc8b5aad835580a30405d2e77" UNIQUE ("name"), CONSTRAINT "PK_c0f79bfde72a93e544c780a7470" PRIMARY KEY ("id"))`,
      `CREATE TABLE "run_log_lines" ("id" BIGSERIAL NOT NULL, "run_id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "level" text NOT NULL, "message" text NOT NULL, "path" text, CONSTRAINT "PK_d526cd59fa1d56a5c320d261587" PRIMARY KEY ("id"))`,
      `CREATE INDEX "ix_run_log_lines_run" ON "run_log_lines"  ("run_id", "id")`,
      `CREATE TABLE "schedules" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" citext NOT NULL, "client_id" uuid, "cron" text NOT NULL, "timezone" text NOT NULL DEFAULT 'UTC', "window_start" text, "window_end" text, "blackouts" jsonb NOT NULL DEFAULT '[]', "full_every_days" integer, "jitter_seconds" integer NOT NULL DEFAULT '0', "enabled" boolean NOT NULL DEFAULT true, "retention_policy_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_758daa8476fd77ea422efacf7b9" UNIQUE ("name"), CONSTRAINT "PK_7e33fc2ea755a5765e3564e66dd" PRIMARY KEY ("id"))`,
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" citext NOT NULL, "password_hash" text NOT NULL, "role" text NOT NULL DEFAULT 'admin', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_login_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
      `CREATE TABLE "sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "token_hash" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))`,
      `CREATE UNIQUE INDEX "IDX_abaa9e068cdd390bc5210f7988" ON "sessions"  ("token_hash")`,
      `CREATE TABLE "shares" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "client_id" uuid NOT NULL, "name" text NOT NULL, "url" text NOT NULL, "username" text NOT NULL DEFAULT '', "domain" text NOT NULL DEFAULT '', "password_sealed" text, "excludes" jsonb NOT NULL DEFAULT '[]', "pre_command" text NOT NULL DEFAULT '', "post_command" text NOT NULL DEFAULT '', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_shares_client_name" UNIQUE ("client_id", "name"), CONSTRAINT "PK_b88473409066c43c2ccb1894a82" PRIMARY KEY ("id"))`,
      `CREATE TABLE "snapshots" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "client_id" uuid NOT NULL, "seq" integer NOT NULL, "run_id" uuid, "kind" text NOT NULL DEFAULT 'incremental', "partial" boolean NOT NULL DEFAULT false, "file_count" integer NOT NULL DEFAULT '0', "total_bytes" bigint NOT NULL DEFAULT '0', "pinned" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "completed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expired_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "uq_snapshots_client_seq" UNIQUE ("client_id", "seq"), CONSTRAINT "PK_f5661b5fd4224d23e26a631986b" PRIMARY KEY ("id"))`,
      `ALTER TABLE "agents" ADD CONSTRAINT "FK_09ca226fd0ddcafb5fc89cce609" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE "backup_runs" ADD CONSTRAINT "FK_3f5f5bfac08feef5461e933bb59" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE "enrolment_tokens" ADD CONSTRAINT "FK_3f2606609ce4aade66cec1c56ac" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE "restores" ADD CONSTRAINT "FK_97c452ec75d55c6ea14cbd982f0" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE "run_log_lines" ADD CONSTRAINT "FK_3e7e6d35275a4007079198f4051" FOREIGN KEY ("run_id") REFERENCES "backup_runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE "schedules" ADD CONSTRAINT "FK_e2b48c798a6f5d7827dd7d714e8" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE "schedules" ADD CONSTRAINT "FK_9a0e610d1d29abf6f2bf3ac555b" FOREIGN KEY ("retention_policy_id") REFERENCES "retention_policies"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE "shares" ADD CONSTRAINT "FK_77083a8884eb0743ceec89499cb" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE "snapshots" ADD CONSTRAINT "FK_4ee5a14413b8479d3cae6fb28b3" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    ]) {
      await queryRunner.query(statement);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'snapshots', 'shares', 'sessions', 'users', 'schedules', 'run_log_lines', 'retention_policies', 'restores',
      'file_versions', 'enrolment_tokens', 'change_journal_entries', 'backup_runs', 'audit_log', 'agents', 'clients',
    ]) {
      await queryRunner.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
    }
  }
}
