#!/usr/bin/env bash
# Starts Debian's PostgreSQL on loopback for the main app's tests and prints the connection string to use as
# MAIN_APP_TEST_POSTGRES. Installs the package first when the server is missing (as root, as in CI; otherwise with
# sudo), and creates a cluster when the package left none.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }

if ! dpkg -s postgresql > /dev/null 2>&1; then
  "$(dirname "$0")/install-debian-packages.sh" postgresql
fi

cluster=$(pg_lsclusters --no-header | head -n 1)
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  as_root pg_createcluster "$version" main > /dev/null
  cluster=$(pg_lsclusters --no-header | head -n 1)
fi

version=$(echo "$cluster" | awk '{ print $1 }')
name=$(echo "$cluster" | awk '{ print $2 }')
port=$(echo "$cluster" | awk '{ print $3 }')
if ! echo "$cluster" | grep -q online; then
  # A server that is up but whose pid file the cluster tools cannot see reads as down: accept it if it answers.
  as_root pg_ctlcluster "$version" "$name" start > /dev/null 2>&1 || pg_isready -q -h 127.0.0.1 -p "$port"
fi

# A throwaway role and database for the tests (recreated on every run).
export PGOPTIONS='--client-min-messages=warning'
as_postgres "psql -q -p $port -c \"DROP DATABASE IF EXISTS voice_server_tests\"" > /dev/null
as_postgres "psql -q -p $port -c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'voice_server_tests') THEN CREATE ROLE voice_server_tests LOGIN PASSWORD 'voice_server_tests'; END IF; END \\\$\\\$\"" > /dev/null
as_postgres "psql -q -p $port -c \"CREATE DATABASE voice_server_tests OWNER voice_server_tests\"" > /dev/null

echo "Host=127.0.0.1;Port=$port;Username=voice_server_tests;Password=voice_server_tests;Database=voice_server_tests"
