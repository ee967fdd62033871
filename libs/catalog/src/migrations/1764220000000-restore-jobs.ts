import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Restores carry who asked, what, where, how, counters and timings; their log lines get a table. */
export class RestoreJobs1764220000000 implements MigrationInterface {
  name = 'RestoreJobs1764220000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of [
      `ALTER TABLE "restores" DROP COLUMN "overwrite"`,
      `ALTER TABLE "restores" RENAME COLUMN "files_done" TO "restored"`,
      `ALTER TABLE "restores" RENAME COLUMN "bytes_done" TO "bytes"`,
      `ALTER TABLE "restores" ALTER COLUMN "requested_by" TYPE text`,
      `ALTER TABLE "restores" ADD "as_of" TIMESTAMP WITH TIME ZONE`,
      `ALTER TABLE "restores" ADD "target_client_id" uuid`,
      `ALTER TABLE "restores" ADD "policy" text NOT NULL DEFAULT 'overwrite'`,
      `ALTER TABLE "restores" ADD "mirror" boolean NOT NULL DEFAULT false`,
      `ALTER TABLE "restores" ADD "verify_read_back" boolean NOT NULL DEFAULT false`,
      `ALTER TABLE "restores" ADD "skipped" integer NOT NULL DEFAULT '0'`,
      `ALTER TABLE "restores" ADD "renamed" integer NOT NULL DEFAULT '0'`,
      `ALTER TABLE "restores" ADD "failed" integer NOT NULL DEFAULT '0'`,
      `ALTER TABLE "restores" ADD "removed" integer NOT NULL DEFAULT '0'`,
      `ALTER TABLE "restores" ADD "files_total" integer`,
      `ALTER TABLE "restores" ADD "bytes_total" bigint`,
      `ALTER TABLE "restores" ADD "attempts" integer NOT NULL DEFAULT '0'`,
      `ALTER TABLE "restores" ADD "cancel_requested_at" TIMESTAMP WITH TIME ZONE`,
      `ALTER TABLE "restores" ADD "started_at" TIMESTAMP WITH TIME ZONE`,
      `ALTER TABLE "restores" ADD CONSTRAINT "FK_restores_target_client" FOREIGN KEY ("target_client_id") REFERENCES "clients"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
      `ALTER TABLE "restores" ADD CONSTRAINT "FK_restores_target_share" FOREIGN KEY ("target_share_id") REFERENCES "shares"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
      `CREATE INDEX "ix_restores_client_created" ON "restores" ("client_id", "created_at")`,
      `CREATE TABLE "restore_log_lines" ("id" BIGSERIAL NOT NULL, "restore_id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "level" text NOT NULL, "message" text NOT NULL, "path" text, CONSTRAINT "PK_restore_log_lines" PRIMARY KEY ("id"))`,
      `CREATE INDEX "ix_restore_log_lines_restore" ON "restore_log_lines" ("restore_id", "id")`,
      `ALTER TABLE "restore_log_lines" ADD CONSTRAINT "FK_restore_log_lines_restore" FOREIGN KEY ("restore_id") REFERENCES "restores"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    ]) {
      await queryRunner.query(statement);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of [
      `DROP TABLE "restore_log_lines"`,
      `DROP INDEX "ix_restores_client_created"`,
      `ALTER TABLE "restores" DROP CONSTRAINT "FK_restores_target_share"`,
      `ALTER TABLE "restores" DROP CONSTRAINT "FK_restores_target_client"`,
      ...['started_at', 'cancel_requested_at', 'attempts', 'bytes_total', 'files_total', 'removed', 'failed', 'renamed', 'skipped', 'verify_read_back', 'mirror', 'policy', 'target_client_id', 'as_of'].map(
        (column) => `ALTER TABLE "restores" DROP COLUMN "${column}"`,
      ),
      `ALTER TABLE "restores" ALTER COLUMN "requested_by" TYPE uuid USING NULL`,
      `ALTER TABLE "restores" RENAME COLUMN "bytes" TO "bytes_done"`,
      `ALTER TABLE "restores" RENAME COLUMN "restored" TO "files_done"`,
      `ALTER TABLE "restores" ADD "overwrite" boolean NOT NULL DEFAULT false`,
    ]) {
      await queryRunner.query(statement);
    }
  }
}
