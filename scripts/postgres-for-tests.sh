#!/usr/bin/env bash
# Starts Debian's PostgreSQL on loopback for the main app's tests and prints the connection string to use as
# MAIN_APP_TEST_POSTGRES. Installs the package first when it is missing (needs root, as in CI; elsewhere use sudo).
set -euo pipefail

if ! command -v pg_lsclusters > /dev/null; then
  for _ in 1 2 3; do
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql) > /dev/null 2>&1 && break
    sleep 5
  done
fi

cluster=$(pg_lsclusters --no-header | head -n 1)
version=$(echo "$cluster" | awk '{ print $1 }')
name=$(echo "$cluster" | awk '{ print $2 }')
port=$(echo "$cluster" | awk '{ print $3 }')
if ! echo "$cluster" | grep -q online; then
  pg_ctlcluster "$version" "$name" start > /dev/null
fi

# A throwaway role and database for the tests (recreated on every run).
as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
as_postgres "psql -q -p $port -c \"DROP DATABASE IF EXISTS voice_server_tests\"" > /dev/null
as_postgres "psql -q -p $port -c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'voice_server_tests') THEN CREATE ROLE voice_server_tests LOGIN PASSWORD 'voice_server_tests'; END IF; END \\\$\\\$\"" > /dev/null
as_postgres "psql -q -p $port -c \"CREATE DATABASE voice_server_tests OWNER voice_server_tests\"" > /dev/null

echo "Host=127.0.0.1;Port=$port;Username=voice_server_tests;Password=voice_server_tests;Database=voice_server_tests"
