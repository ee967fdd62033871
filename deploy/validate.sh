#!/usr/bin/env bash
# Validates the deployment files without a Docker engine: the compose file with Debian's
# docker-compose (schema and interpolation), plus the rules this project keeps for compose,
# the Dockerfile and the Kubernetes manifests.
set -euo pipefail
cd "$(dirname "$0")/.."

docker-compose -f docker-compose.yml --profile demo config -q
echo "docker-compose.yml: valid (docker-compose $(docker-compose version --short))"

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
    if 'build' in service and name != 'demo-share' and 'env_file' not in service:
        problems.append(f'compose: service {name} does not read deploy/example.env')
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

for path in sorted(glob.glob('deploy/kubernetes/*.yaml')):
    for document in yaml.safe_load_all(open(path)):
        if not document:
            continue
        for key in ('apiVersion', 'kind', 'metadata'):
            if key not in document:
                problems.append(f'{path}: a document lacks {key}')

if problems:
    print('\n'.join(problems), file=sys.stderr)
    sys.exit(1)
print('Dockerfile, compose rules and Kubernetes manifests: valid')
PY
