#!/usr/bin/env bash
# Validates the deployment files without a Docker engine: the compose file with Debian's
# docker-compose (schema and interpolation), plus the rules this project keeps for compose,
# the Dockerfile and the Kubernetes manifests.
set -euo pipefail
cd "$(dirname "$0")/.."

# The compose file reads the admin's .env (never deploy/example.env). Proven on a scratch copy of
# the project layout, so an admin's real .env in this checkout is neither needed nor touched.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp docker-compose.yml "$scratch/"
ln -s "$(pwd)/deploy" "$scratch/deploy"
if docker-compose -f "$scratch/docker-compose.yml" --profile demo config -q 2>"$scratch/err"; then
  echo "docker-compose.yml: starts without a .env (it must refuse)" >&2; exit 1
fi
grep -Eq "Couldn't find env file|set [A-Z_]+ in .env" "$scratch/err" || { cat "$scratch/err" >&2; exit 1; }
secret_key=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
db_password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
pg_password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
redis_password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
sed -e "s/^SECRET_KEY=.*/SECRET_KEY=$secret_key/" -e "s/change-me-db-password/$db_password/g" \
  -e "s/change-me-postgres-superuser-password/$pg_password/g" -e "s/change-me-redis-password/$redis_password/g" \
  -e "s/^ADMIN_PASSWORD=.*/ADMIN_PASSWORD=validate-$db_password/" deploy/example.env > "$scratch/.env"
docker-compose -f "$scratch/docker-compose.yml" --profile demo config > "$scratch/resolved.yml"
echo "docker-compose.yml: valid (docker-compose $(docker-compose version --short))"

SECRET_KEY="$secret_key" DB_PASSWORD="$db_password" PG_PASSWORD="$pg_password" REDIS_PASSWORD="$redis_password" python3 - "$scratch/resolved.yml" <<'PY'
import os, sys, yaml
resolved = yaml.safe_load(open(sys.argv[1]))['services']
env = lambda name: resolved[name].get('environment', {}) or {}
want = {'SECRET_KEY': os.environ['SECRET_KEY']}
problems = []
for name in ('api', 'scheduler', 'copy-worker', 'agent-gateway'):
    environment = env(name)
    for variable, value in want.items():
        if environment.get(variable) != value:
            problems.append(f'compose: {name} does not get {variable} from .env (got {environment.get(variable)!r})')
    if os.environ['DB_PASSWORD'] not in environment.get('DATABASE_URL', ''):
        problems.append(f'compose: {name} does not get DATABASE_URL from .env')
    if os.environ['REDIS_PASSWORD'] not in environment.get('REDIS_URL', ''):
        problems.append(f'compose: {name} does not get the Redis password in REDIS_URL')
    for variable in ('POSTGRES_PASSWORD', 'BACKTRAC_DB_PASSWORD', 'REDIS_PASSWORD', 'DEMO_PASSWORD'):
        if environment.get(variable):
            problems.append(f'compose: {name} gets {variable}, which only another container needs')
    if name != 'api' and environment.get('ADMIN_PASSWORD'):
        problems.append(f'compose: {name} gets ADMIN_PASSWORD (only the api creates the first admin)')
if env('api').get('ADMIN_PASSWORD') != 'validate-' + os.environ['DB_PASSWORD']:
    problems.append('compose: the api does not get ADMIN_PASSWORD from .env')
postgres = env('postgres')
if postgres.get('POSTGRES_PASSWORD') != os.environ['PG_PASSWORD'] or postgres.get('BACKTRAC_DB_PASSWORD') != os.environ['DB_PASSWORD']:
    problems.append('compose: postgres does not get POSTGRES_PASSWORD and BACKTRAC_DB_PASSWORD from .env')
if 'SECRET_KEY' in postgres or 'SECRET_KEY' in env('redis'):
    problems.append('compose: postgres or redis gets SECRET_KEY')
if os.environ['REDIS_PASSWORD'] not in ' '.join(resolved['redis'].get('command', [])):
    problems.append('compose: redis runs without --requirepass')
for port in resolved['api'].get('ports', []):
    host_ip = port.get('host_ip') if isinstance(port, dict) else (str(port).rsplit(':', 2)[0] if str(port).count(':') >= 2 else None)
    if host_ip not in ('127.0.0.1', '::1'):
        problems.append(f'compose: api port {port} is published beyond loopback by default')
if problems:
    print('\n'.join(problems), file=sys.stderr)
    sys.exit(1)
print('docker-compose.yml: every service gets its secrets from .env')
PY

python3 - <<'PY'
import re, sys, yaml, glob

problems = []
compose = yaml.safe_load(open('docker-compose.yml'))
services = compose['services']
for name, service in services.items():
    if 'healthcheck' not in service and 'build' in service and name != 'demo-share':
        problems.append(f'compose: service {name} has no healthcheck')
    image = service.get('image', '')
    if not re.search(r':\d+(\.\d+)+', image):
        problems.append(f'compose: service {name} image {image!r} is not pinned to a version')
    if 'build' in service and name != 'demo-share' and service.get('env_file') != '.env':
        problems.append(f'compose: service {name} does not read .env')
    if 'example.env' in str(service.get('env_file', '')):
        problems.append(f'compose: service {name} reads the example.env template (its secrets are public)')
redis_command = ' '.join(services['redis'].get('command', []))
for flag in ('--appendonly yes', '--maxmemory-policy noeviction'):
    if flag not in redis_command:
        problems.append(f'compose: redis lacks {flag} (BullMQ needs it)')
if 'replicas' not in services['copy-worker'].get('deploy', {}):
    problems.append('compose: copy-worker has no deploy.replicas')
if not any(v.endswith(':ro') for v in services['api'].get('volumes', [])):
    problems.append('compose: api must mount the store read-only')
if services.get('demo-share', {}).get('profiles') != ['demo']:
    problems.append('compose: demo-share must be in the demo profile')

dockerfile = open('deploy/Dockerfile').read()
known = {'FROM', 'ARG', 'ENV', 'WORKDIR', 'RUN', 'COPY', 'USER', 'CMD', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ENTRYPOINT'}
for line in re.sub(r'\\\n', ' ', dockerfile).splitlines():
    line = line.strip()
    if line and not line.startswith('#') and line.split()[0] not in known:
        problems.append(f'Dockerfile: unknown instruction {line.split()[0]!r}')
for needle, why in [('ARG SERVICE', 'one image per service via ARG SERVICE'), ('USER node', 'runs as a non-root user'),
                    ('node:24', 'Node 24 base image'), ('npm ci', 'CI install'), ('npm run build', 'CI build')]:
    if needle not in dockerfile:
        problems.append(f'Dockerfile: missing {needle!r} ({why})')

try:
    ignored = {line.strip() for line in open('.dockerignore') if line.strip() and not line.startswith('#')}
except FileNotFoundError:
    ignored = set()
    problems.append('.dockerignore is missing (the build context would carry node_modules, var/ and .env)')
for needle in ('**/node_modules', '.cache', 'var', '.env', '**/.env'):
    if ignored and needle not in ignored:
        problems.append(f'.dockerignore: does not exclude {needle}')

for path in sorted(glob.glob('deploy/kubernetes/*.yaml')):
    for document in yaml.safe_load_all(open(path)):
        if not document:
            continue
        for key in ('apiVersion', 'kind', 'metadata'):
            if key not in document:
                problems.append(f'{path}: a document lacks {key}')
        if document.get('kind') != 'Deployment':
            continue
        pod = document['spec']['template']['spec']
        if pod.get('automountServiceAccountToken') is not False:
            problems.append(f'{path}: pods must not mount a service-account token')
        for container in pod.get('containers', []):
            context = container.get('securityContext', {})
            if context.get('readOnlyRootFilesystem') is not True or context.get('allowPrivilegeEscalation') is not False or context.get('capabilities', {}).get('drop') != ['ALL']:
                problems.append(f'{path}: container {container["name"]} needs readOnlyRootFilesystem, no privilege escalation, capabilities drop ALL')
            admin_secret = any(ref.get('secretRef', {}).get('name') == 'backtrac-admin' for ref in container.get('envFrom', []))
            if admin_secret != (container['name'] == 'api'):
                problems.append(f'{path}: only the api may read the backtrac-admin secret')

if problems:
    print('\n'.join(problems), file=sys.stderr)
    sys.exit(1)
print('Dockerfile, compose rules and Kubernetes manifests: valid')
PY
