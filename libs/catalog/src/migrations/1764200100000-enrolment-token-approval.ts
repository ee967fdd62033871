import type { MigrationInterface, QueryRunner } from 'typeorm';

/** An enrolment token may require an admin's approval of the agent that uses it. */
export class EnrolmentTokenApproval1764200100000 implements MigrationInterface {
  name = 'EnrolmentTokenApproval1764200100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "enrolment_tokens" ADD "requires_approval" boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "enrolment_tokens" DROP COLUMN "requires_approval"`);
  }
}
