#!/usr/bin/env bash
# Installs the official Vonage JWT and Voice packages that the Vonage cross-check tests use as an independent oracle
# (tests/VoiceServer.Vonage.Tests/SdkCrossCheck): Debian's nodejs and npm packages when node is missing (as root,
# otherwise with sudo), then the pinned @vonage/jwt and @vonage/voice packages with npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  scripts/install-debian-packages.sh nodejs npm
fi

cd tests/VoiceServer.Vonage.Tests/SdkCrossCheck
npm ci --omit=dev --no-audit --no-fund --loglevel=error
echo "Vonage SDK ready: $(node --version), @vonage/jwt $(node -p "require('./node_modules/@vonage/jwt/package.json').version"), @vonage/voice $(node -p "require('./node_modules/@vonage/voice/package.json').version")" >&2
