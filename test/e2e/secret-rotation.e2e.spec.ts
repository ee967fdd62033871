import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '@backtrac/catalog';
import { ApiClient } from '../harness/api-client.js';
import { repoRoot, type Stack, startStack } from '../harness/services.js';

const cli = `${repoRoot}services/copy-worker/dist/cli.js`;

function maintenance(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Rotating SECRET_KEY: backtrac-maintenance reseal-secrets moves every sealed secret to the new key. */
describe('SECRET_KEY rotation (real api, the maintenance CLI, Postgres)', () => {
  let stack: Stack;
  let work: string;
  let db: pg.Client;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bt-rotate-'));
    stack = await startStack({ services: ['api'], env: { STORE_ROOT: join(work, 'store'), WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' } });
    db = new pg.Client({ connectionString: stack.env.DATABASE_URL });
    await db.connect();
    const api = new ApiClient(stack.apiUrl);
    await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword });
    const client = (await api.call('POST', '/clients', { name: 'rot-01', hostname: 'rot-01.lan' })).json.id;
    expect((await api.call('POST', `/clients/${client}/shares`, { name: 'docs', url: 'smb://rot-01.lan/docs', username: 'u', password: 'Share-pass-1' })).status).toBe(201);
    const saved = await api.call('PUT', '/alert-settings', { smtp: { host: 'mail.lan', username: 'a', password: 'Smtp-pass-1' }, webhooks: [{ url: 'https://hooks.example.com/x', secret: 'Hook-secret-1' }] });
    expect(saved.status, saved.text).toBe(200);
    await stack.services[0]!.stop();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const sealed = async (): Promise<string[]> => {
    const share = (await db.query('SELECT password_sealed FROM shares')).rows.map((r) => r.password_sealed as string);
    const [settings] = (await db.query('SELECT smtp_password_sealed, webhooks FROM alert_settings')).rows;
    return [...share, settings.smtp_password_sealed, ...settings.webhooks.map((h: { secretSealed: string }) => h.secretSealed)];
  };

  it('re-seals every secret under the new key, refuses a wrong previous key, and can run twice', async () => {
    const oldKey = stack.env.SECRET_KEY!;
    const newKey = randomBytes(32).toString('hex');
    const before = await sealed();
    expect(before.map((s) => new SecretBox(Buffer.from(oldKey, 'hex')).open(s))).toEqual(['Share-pass-1', 'Smtp-pass-1', 'Hook-secret-1']);

    const wrong = await maintenance({ ...stack.env, SECRET_KEY: newKey, SECRET_KEY_PREVIOUS: randomBytes(32).toString('hex') }, 'reseal-secrets');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('backtrac-maintenance: nothing was changed: sealed secret cannot be opened: SECRET_KEY differs from the one it was sealed with');
    expect(await sealed()).toEqual(before);

    const env = { ...stack.env, SECRET_KEY: newKey, SECRET_KEY_PREVIOUS: oldKey };
    const first = await maintenance(env, 'reseal-secrets');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ sharePasswords: 1, smtpPasswords: 1, webhookSecrets: 1, alreadyNew: 0 });
    const after = await sealed();
    expect(after.map((s) => new SecretBox(Buffer.from(newKey, 'hex')).open(s))).toEqual(['Share-pass-1', 'Smtp-pass-1', 'Hook-secret-1']);
    expect(() => new SecretBox(Buffer.from(oldKey, 'hex')).open(after[0]!)).toThrow();

    const second = await maintenance(env, 'reseal-secrets');
    expect(JSON.parse(second.stdout)).toMatchObject({ alreadyNew: 3 });
  });
});
