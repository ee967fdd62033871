import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { smbclientArgs, startSamba } from './samba.js';

const run = promisify(execFile);

describe('samba harness', () => {
  it('serves shares and users added after start, read-only shares refuse writes, stop kills smbd', async () => {
    const server = await startSamba({ global: { 'server signing': 'mandatory' } });
    const dir = await mkdtemp(join(tmpdir(), 'bt-samba-harness-'));
    try {
      expect(server.host).toBe('127.0.0.1');
      expect(server.port).toBeGreaterThan(0);
      expect(() => process.kill(server.pid, 0)).not.toThrow();
      await writeFile(join(dir, 'hello.txt'), 'hello');
      await server.addUser('harness', 'H4rness-pw');
      await server.addShare('rw', dir);
      await server.addShare('ro', dir, { readOnly: true, extra: { comment: 'read only' } });
      expect(server.url('rw', 'harness')).toBe(`smb://harness@127.0.0.1:${server.port}/rw`);

      const rw = smbclientArgs(server, 'rw', 'harness', 'H4rness-pw');
      const { stdout } = await run('smbclient', [...rw, '-c', 'ls']);
      expect(stdout).toContain('hello.txt');
      const local = join(dir, 'from-test.txt');
      await run('smbclient', [...rw, '-c', `get hello.txt ${local}`]);
      expect(await readFile(local, 'utf8')).toBe('hello');
      await run('smbclient', [...rw, '-c', `put ${local} put-by-smbclient.txt`]);
      expect((await stat(join(dir, 'put-by-smbclient.txt'))).size).toBe(5);

      const ro = smbclientArgs(server, 'ro', 'harness', 'H4rness-pw');
      const refused = await run('smbclient', [...ro, '-c', `put ${local} nope.txt`]).catch((e: { stdout?: string; stderr?: string }) => e);
      expect(`${(refused as { stdout?: string }).stdout ?? ''}`).toMatch(/NT_STATUS_ACCESS_DENIED|NT_STATUS_MEDIA_WRITE_PROTECTED/);

      const wrong = await run('smbclient', [...smbclientArgs(server, 'rw', 'harness', 'bad'), '-c', 'ls']).catch((e: { stdout?: string }) => e);
      expect(`${(wrong as { stdout?: string }).stdout ?? ''}`).toContain('NT_STATUS_LOGON_FAILURE');
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
    expect(() => process.kill(server.pid, 0)).toThrow();
  });

  it('fails with smbd output when smbd cannot start', async () => {
    await expect(startSamba({ global: { 'smb ports': 'not-a-port', 'interfaces': '192.0.2.1' } })).rejects.toThrow(/smbd did not start/);
  });
});
