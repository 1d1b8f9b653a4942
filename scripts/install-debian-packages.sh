#!/usr/bin/env bash
# Installs Debian packages for the test and load scripts: as root (as in CI), otherwise with sudo; apt is tried three
# times, five seconds apart, since a mirror can fail for a moment. On failure the end of apt's output is shown.
#   scripts/install-debian-packages.sh PACKAGE...
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_log=$(mktemp)
trap 'rm -f "$install_log"' EXIT
for attempt in 1 2 3; do
  if as_root env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@"' sh "$@" > "$install_log" 2>&1; then
    exit 0
  fi
  [ "$attempt" -lt 3 ] && sleep 5
done
echo "could not install Debian's $* package(s):" >&2
tail -n 20 "$install_log" >&2
exit 1
