// Registers the demo share as client "demo" through the api, as an admin would in the console.
// Usage: node scripts/register-demo.mjs API_URL INFO_JSON   (ADMIN_EMAIL/ADMIN_PASSWORD from the environment)
import { readFileSync } from 'node:fs';

const [apiUrl, infoFile] = process.argv.slice(2);
const info = JSON.parse(readFileSync(infoFile, 'utf8'));
let cookie = '';
async function call(method, path, body) {
  const response = await fetch(`${apiUrl}/api${path}`, {
    method,
    headers: { 'content-type': 'application/json', cookie },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

await call('POST', '/auth/login', { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD });
const clients = await call('GET', '/clients');
const client = clients.find((c) => c.name === 'demo') ?? (await call('POST', '/clients', { name: 'demo', hostname: '127.0.0.1', description: 'Demo Samba share with sample files' }));
const shares = await call('GET', `/clients/${client.id}/shares`);
const share = shares.find((s) => s.name === 'demo');
const fields = { url: info.url, username: info.user, password: info.password };
if (share) await call('PATCH', `/shares/${share.id}`, fields);
else await call('POST', `/clients/${client.id}/shares`, { name: 'demo', ...fields });
console.log(`demo client registered with share ${info.url}`);
