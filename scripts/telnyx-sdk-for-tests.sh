#!/usr/bin/env bash
# Installs the official Telnyx Node SDK that the Telnyx cross-check tests use as an independent oracle
# (tests/VoiceServer.Telnyx.Tests/SdkCrossCheck): Debian's nodejs and npm packages when node is missing (as root,
# otherwise with sudo), then the pinned telnyx package with npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  scripts/install-debian-packages.sh nodejs npm
fi

cd tests/VoiceServer.Telnyx.Tests/SdkCrossCheck
npm ci --omit=dev --no-audit --no-fund --loglevel=error
echo "Telnyx SDK ready: $(node --version), telnyx $(node -p "require('./node_modules/telnyx/package.json').version")" >&2
