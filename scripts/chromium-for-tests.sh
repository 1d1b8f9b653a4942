#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the playground's browser tests (Playwright drives the system's
# browser; it downloads none). Installs the package when missing (as root, as in CI; otherwise with sudo).
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ]; then
  exit 0
fi

echo "Installing Debian's chromium package for the browser tests (once per machine; about a minute)..." >&2
install_log=$(mktemp)
trap 'rm -f "$install_log"' EXIT
installed=no
for attempt in 1 2 3; do
  if as_root sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium' > "$install_log" 2>&1; then
    installed=yes
    break
  fi
  sleep 5
done
if [ "$installed" != yes ]; then
  echo "could not install Debian's chromium package:" >&2
  tail -n 20 "$install_log" >&2
  exit 1
fi

# A new install's first start builds its caches (fonts, profile) and can take longer than a test waits: start it
# once here, with the flags the tests use, so the tests meet a warm browser.
profile=$(mktemp -d)
timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --dump-dom about:blank > /dev/null 2>&1 || true
rm -rf "$profile"
