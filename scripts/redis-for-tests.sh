#!/usr/bin/env bash
# Starts a throwaway Redis (Debian's redis-server) on a free loopback port for the replay-guard tests and prints
# its URL, redis://default:<password>@127.0.0.1:<port>/0, to use as VOICE_SERVER_TEST_REDIS. Installs the package
# first when the server is missing (as root, as in CI; otherwise with sudo). Nothing is written to disk (no RDB, no
# AOF); a random password lets the tests check that it never reaches a log line.
# Stop it with: redis-cli --no-auth-warning -u "$VOICE_SERVER_TEST_REDIS" shutdown nosave
set -euo pipefail

if ! command -v redis-server > /dev/null || ! command -v redis-cli > /dev/null; then
  "$(dirname "$0")/install-debian-packages.sh" redis-server
fi

password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
workdir=$(mktemp -d)

# A port nobody listens on, from a random start; if another process takes it first, the server fails to bind and
# the next port is tried.
port=$((20000 + RANDOM % 20000))
for _ in $(seq 1 20); do
  port=$((port + 1))
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
    continue
  fi
  redis-server --bind 127.0.0.1 --port "$port" --requirepass "$password" --save '' --appendonly no \
    --dir "$workdir" --logfile "$workdir/redis-$port.log" --daemonize yes --pidfile "$workdir/redis.pid" > /dev/null
  # The daemon forks before it binds: wait (bounded) until it answers, or give up on this port.
  for _ in $(seq 1 50); do
    if REDISCLI_AUTH="$password" redis-cli -h 127.0.0.1 -p "$port" ping 2> /dev/null | grep -q PONG; then
      echo "redis://default:$password@127.0.0.1:$port/0"
      exit 0
    fi
    if grep -q 'Could not create server TCP listening socket' "$workdir/redis-$port.log" 2> /dev/null; then
      break
    fi
    sleep 0.1
  done
done

echo "could not start redis-server on a loopback port:" >&2
tail -n 20 "$workdir/redis-$port.log" >&2 || true
exit 1
