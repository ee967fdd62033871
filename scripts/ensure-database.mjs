// Creates the database named in DATABASE_URL when it does not exist yet (npm start on a fresh machine).
import pg from 'pg';

const target = new URL(process.argv[2]);
const name = decodeURIComponent(target.pathname.slice(1));
const admin = new URL(target);
admin.pathname = '/postgres';
const client = new pg.Client({ connectionString: admin.toString() });
try {
  await client.connect();
} catch (error) {
  console.error(`cannot reach Postgres at ${target.hostname}:${target.port || 5432} (DATABASE_URL): ${error.code ?? error.message}`);
  process.exit(1);
}
const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
if (rowCount === 0) {
  await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  console.log(`created database ${name}`);
}
await client.end();
