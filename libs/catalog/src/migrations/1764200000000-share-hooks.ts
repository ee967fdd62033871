import { Logger } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';

interface LegacyShare {
  id: string;
  client_id: string;
  client: string;
  name: string;
  pre_command: string;
  post_command: string;
}

/** A hook name the agent accepts (libs/xmlrpc HOOK_NAME_PATTERN), derived from a share name. */
function hookNameFor(shareName: string, kind: 'pre' | 'post', taken: Set<string>): string {
  const slug = shareName.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 48) || 'share';
  let name = `${slug}-${kind}`;
  for (let n = 2; taken.has(name); n++) name = `${slug}-${kind}-${n}`;
  taken.add(name);
  return name;
}

/**
 * Shares name client-side hooks instead of carrying shell commands the agent ran as root. Each
 * existing command becomes a hook name; the log says, per client, what the admin must declare in
 * that agent's configuration file for backups with it to run again (until then the agent refuses
 * the unknown name and the backup fails with that message, so no dump is silently skipped).
 */
export class ShareHooks1764200000000 implements MigrationInterface {
  name = 'ShareHooks1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "shares" ADD "pre_hook" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "shares" ADD "post_hook" text NOT NULL DEFAULT ''`);
    const legacy = (await queryRunner.query(
      `SELECT s."id", s."client_id", c."name" AS "client", s."name", s."pre_command", s."post_command"
         FROM "shares" s JOIN "clients" c ON c."id" = s."client_id"
        WHERE s."pre_command" <> '' OR s."post_command" <> '' ORDER BY c."name", s."name"`,
    )) as LegacyShare[];
    const takenByClient = new Map<string, Set<string>>();
    const hooksByClient = new Map<string, Record<string, { command: string }>>();
    for (const share of legacy) {
      const taken = takenByClient.get(share.client_id) ?? new Set<string>();
      takenByClient.set(share.client_id, taken);
      const hooks = hooksByClient.get(share.client) ?? {};
      hooksByClient.set(share.client, hooks);
      const pre = share.pre_command.trim() !== '' ? hookNameFor(share.name, 'pre', taken) : '';
      const post = share.post_command.trim() !== '' ? hookNameFor(share.name, 'post', taken) : '';
      if (pre) hooks[pre] = { command: share.pre_command };
      if (post) hooks[post] = { command: share.post_command };
      await queryRunner.query(`UPDATE "shares" SET "pre_hook" = $1, "post_hook" = $2 WHERE "id" = $3`, [pre, post, share.id]);
    }
    const logger = new Logger('Catalog');
    for (const [client, hooks] of hooksByClient) {
      logger.warn(
        `shares of client "${client}" had pre/post-backup commands; they now name agent hooks. ` +
          `Add to "hooks" in that client's agent configuration (/etc/backtrac/agent.json, owned by root, mode 600) and restart the agent: ${JSON.stringify(hooks)}`,
      );
    }
    await queryRunner.query(`ALTER TABLE "shares" DROP COLUMN "pre_command"`);
    await queryRunner.query(`ALTER TABLE "shares" DROP COLUMN "post_command"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The commands live on the clients now; the server never gets them back.
    await queryRunner.query(`ALTER TABLE "shares" ADD "pre_command" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "shares" ADD "post_command" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "shares" DROP COLUMN "post_hook"`);
    await queryRunner.query(`ALTER TABLE "shares" DROP COLUMN "pre_hook"`);
  }
}
