#!/usr/bin/env bash
# Installs the load run's Node.js yardstick (tools/VoiceServer.LoadTest/NodeRelay: a relay built like Twilio's Node
# quickstart) from the npm registry: Debian's nodejs and npm packages when node is missing (as root, otherwise with
# sudo), then the relay's pinned ws package with npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  scripts/install-debian-packages.sh nodejs npm
fi

cd tools/VoiceServer.LoadTest/NodeRelay
npm ci --omit=dev --no-audit --no-fund --loglevel=error
echo "Node relay ready: $(node --version), ws $(node -p "require('ws/package.json').version")"
