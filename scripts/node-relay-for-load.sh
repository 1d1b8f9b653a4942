#!/usr/bin/env bash
# Installs the load run's Node.js yardstick (tools/VoiceServer.LoadTest/NodeRelay: a relay built like Twilio's Node
# quickstart) from the npm registry: Debian's nodejs and npm packages when node is missing (as root, otherwise with
# sudo), then the relay's pinned ws package with npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  install_log=$(mktemp)
  trap 'rm -f "$install_log"' EXIT
  installed=no
  for attempt in 1 2 3; do
    if as_root sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm' > "$install_log" 2>&1; then
      installed=yes
      break
    fi
    sleep 5
  done
  if [ "$installed" != yes ]; then
    echo "could not install Debian's nodejs and npm packages:" >&2
    tail -n 20 "$install_log" >&2
    exit 1
  fi
fi

cd tools/VoiceServer.LoadTest/NodeRelay
npm ci --omit=dev --no-audit --no-fund --loglevel=error
echo "Node relay ready: $(node --version), ws $(node -p "require('ws/package.json').version")"
