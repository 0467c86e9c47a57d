#!/bin/sh
# Creates the roles and databases of the compose stack on the FIRST start of an empty
# data volume (the postgres image runs /docker-entrypoint-initdb.d/* only then).
#
#   temporal / temporal, temporal_visibility   Temporal's persistence and visibility
#   warmth   / warmth                          the Warmth store (system of record)
#
# Separate roles and databases: Temporal never sees the ledger, the workers never see
# Temporal's tables. Passwords come from the environment (deploy/.env), never from here.
# Changing them later: ALTER ROLE ... PASSWORD ..., then update deploy/.env.
set -eu

: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD is required}"
: "${WARMTH_DB_PASSWORD:?WARMTH_DB_PASSWORD is required}"

psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
     -v temporal_pw="$TEMPORAL_DB_PASSWORD" -v warmth_pw="$WARMTH_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN PASSWORD :'temporal_pw';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;

CREATE ROLE warmth LOGIN PASSWORD :'warmth_pw';
CREATE DATABASE warmth OWNER warmth;
REVOKE ALL ON DATABASE warmth FROM PUBLIC;
REVOKE ALL ON DATABASE temporal FROM PUBLIC;
REVOKE ALL ON DATABASE temporal_visibility FROM PUBLIC;
SQL
