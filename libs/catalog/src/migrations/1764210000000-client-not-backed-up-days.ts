import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A client's own "not backed up for N days" alert limit; null uses the global one. */
export class ClientNotBackedUpDays1764210000000 implements MigrationInterface {
  name = 'ClientNotBackedUpDays1764210000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clients" ADD "not_backed_up_days" integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "not_backed_up_days"`);
  }
}
