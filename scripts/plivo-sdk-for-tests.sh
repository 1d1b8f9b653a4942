#!/usr/bin/env bash
# Installs the official Plivo Node SDK that the Plivo cross-check tests use as an independent oracle
# (tests/VoiceServer.Plivo.Tests/SdkCrossCheck): Debian's nodejs and npm packages when node is missing (as root,
# otherwise with sudo), then the pinned plivo package with npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  scripts/install-debian-packages.sh nodejs npm
fi

cd tests/VoiceServer.Plivo.Tests/SdkCrossCheck
npm ci --omit=dev --no-audit --no-fund --loglevel=error
echo "Plivo SDK ready: $(node --version), plivo $(node -p "require('./node_modules/plivo/package.json').version")" >&2
