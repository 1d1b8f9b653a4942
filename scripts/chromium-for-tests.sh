#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the playground's browser tests (Playwright drives the system's
# browser; it downloads none). Installs the package when missing (as root, as in CI; otherwise with sudo).
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ]; then
  exit 0
fi

echo "Installing Debian's chromium package for the browser tests (once per machine; about a minute)..." >&2
"$(dirname "$0")/install-debian-packages.sh" chromium

# A new install's first start builds its caches (fonts, profile) and can take longer than a test waits: start it
# once here, with the flags the tests use, so the tests meet a warm browser.
profile=$(mktemp -d)
timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --dump-dom about:blank > /dev/null 2>&1 || true
rm -rf "$profile"
