import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSamba, type SambaServer } from '../../../test/harness/samba.js';
import { main } from './cli.js';

let server: SambaServer;
let share: string;
let local: string;

beforeAll(async () => {
  server = await startSamba();
  await server.addUser('cliuser', 'Cl1-pass');
  share = await mkdtemp(join(tmpdir(), 'bt-smb-cli-share-'));
  local = await mkdtemp(join(tmpdir(), 'bt-smb-cli-local-'));
  await writeFile(join(share, 'hello.txt'), 'hello from the share');
  await server.addShare('data', share);
});

afterAll(async () => {
  await server?.stop();
  await rm(share, { recursive: true, force: true });
  await rm(local, { recursive: true, force: true });
});

async function run(args: string[], password = 'Cl1-pass'): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += c.toString()), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += c.toString()), true));
  process.env.BACKTRAC_SMB_PASSWORD = password;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    delete process.env.BACKTRAC_SMB_PASSWORD;
    o.mockRestore();
    e.mockRestore();
  }
}

describe('backtrac-smb CLI', () => {
  it('puts, lists and gets a file with the password from the environment', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 1);
    await writeFile(join(local, 'up.bin'), data);
    const put = await run(['put', join(local, 'up.bin'), `${server.url('data', 'cliuser')}/up.bin`]);
    expect(put.code).toBe(0);
    expect((await readFile(join(share, 'up.bin'))).equals(data)).toBe(true);
    const again = await run(['put', join(local, 'up.bin'), `${server.url('data', 'cliuser')}/up.bin`]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('STATUS_OBJECT_NAME_COLLISION');
    expect((await run(['put', '--overwrite', join(local, 'up.bin'), `${server.url('data', 'cliuser')}/up.bin`])).code).toBe(0);

    const ls = await run(['ls', server.url('data', 'cliuser')]);
    expect(ls.code).toBe(0);
    expect(ls.out).toMatch(/^- +20 \S+ hello\.txt$/m);
    expect(ls.out).toMatch(/^- +3145729 \S+ up\.bin$/m);

    const get = await run(['get', `${server.url('data', 'cliuser')}/up.bin`, join(local, 'down.bin')]);
    expect(get.code).toBe(0);
    expect((await readFile(join(local, 'down.bin'))).equals(data)).toBe(true);
    await writeFile(join(share, 'empty.bin'), '');
    expect((await run(['get', `${server.url('data', 'cliuser')}/empty.bin`, join(local, 'empty.bin')])).code).toBe(0);
    expect((await readFile(join(local, 'empty.bin'))).length).toBe(0);
  });

  it('exits 1 with the NT status on errors and 2 on bad usage', async () => {
    const wrong = await run(['ls', server.url('data', 'cliuser')], 'nope');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('STATUS_LOGON_FAILURE');
    const missing = await run(['get', `${server.url('data', 'cliuser')}/missing.txt`, join(local, 'x')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('STATUS_OBJECT_NAME_NOT_FOUND');
    await expect(readFile(join(local, 'x'))).rejects.toMatchObject({ code: 'ENOENT' }); // no local file left behind
    expect((await run(['frobnicate'])).code).toBe(2);
  });
});
