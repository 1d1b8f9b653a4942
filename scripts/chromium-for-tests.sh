#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the playground's browser tests (Playwright drives the system's
# browser; it downloads none). Installs the package when missing (as root, as in CI; otherwise with sudo).
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ]; then
  exit 0
fi

install_log=$(mktemp)
trap 'rm -f "$install_log"' EXIT
for attempt in 1 2 3; do
  if as_root sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium' > "$install_log" 2>&1; then
    exit 0
  fi
  sleep 5
done
echo "could not install Debian's chromium package:" >&2
tail -n 20 "$install_log" >&2
exit 1
