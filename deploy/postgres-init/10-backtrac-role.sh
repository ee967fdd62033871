#!/usr/bin/env bash
# Runs once, when the Postgres volume is first initialised: the services get their own role,
# owner of the backtrac database and nothing more (no superuser, no CREATEDB, no CREATEROLE).
set -euo pipefail
: "${BACKTRAC_DB_PASSWORD:?BACKTRAC_DB_PASSWORD must be set (see deploy/example.env)}"
psql -v ON_ERROR_STOP=1 -v password="$BACKTRAC_DB_PASSWORD" --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE ROLE backtrac LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'password';
CREATE DATABASE backtrac OWNER backtrac;
REVOKE ALL ON DATABASE backtrac FROM PUBLIC;
SQL
