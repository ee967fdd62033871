// Runs a private Samba server with a demo share full of sample files, for `npm start -- --demo`.
// Writes {url, user, password} to the file named by its argument once the share answers, then
// runs until stopped.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSamba } from './samba-server.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const shareDir = `${root}var/demo-share`;
const password = process.env.DEMO_PASSWORD ?? 'demo-password';

mkdirSync(shareDir, { recursive: true });
execFileSync('sh', [`${root}deploy/demo-samba/seed.sh`, shareDir]);
const server = await startSamba();
await server.addUser('demo', password);
await server.addShare('demo', shareDir);
const info = { url: server.url('demo').replace('demo@', ''), user: 'demo', password };
const infoFile = process.argv[2];
if (infoFile) writeFileSync(infoFile, JSON.stringify(info), { mode: 0o600 });
process.stdout.write(`demo share at ${info.url} (user demo)\n`);

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30);
