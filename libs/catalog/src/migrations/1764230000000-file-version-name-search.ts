import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Find by name: a trigram GIN index over (client_id, name) answers substring and glob matches
 * (ILIKE) within one client without reading its other rows. Both extensions are trusted, so the
 * database owner can create them without superuser rights.
 */
export class FileVersionNameSearch1764230000000 implements MigrationInterface {
  name = 'FileVersionNameSearch1764230000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await queryRunner.query(`CREATE INDEX "ix_file_versions_name_trgm" ON "file_versions" USING gin ("client_id", "name" gin_trgm_ops)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_file_versions_name_trgm"`);
  }
}
