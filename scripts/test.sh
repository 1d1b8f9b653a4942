#!/usr/bin/env bash
# The test command: PostgreSQL on loopback for the main app's database tests (Debian's package; skipped in favour
# of MAIN_APP_TEST_POSTGRES when that is set), a throwaway Redis for the replay-guard tests (Debian's package;
# skipped in favour of VOICE_SERVER_TEST_REDIS when that is set), Chromium for the playground's browser tests
# (Debian's package; CHROMIUM_PATH points elsewhere), the official Telnyx and Plivo Node SDKs for the cross-check
# tests (npm ci from pinned lock files), then every test project of the solution.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${MAIN_APP_TEST_POSTGRES:-}" ]; then
  MAIN_APP_TEST_POSTGRES=$(scripts/postgres-for-tests.sh)
  export MAIN_APP_TEST_POSTGRES
fi

if [ -z "${VOICE_SERVER_TEST_REDIS:-}" ]; then
  VOICE_SERVER_TEST_REDIS=$(scripts/redis-for-tests.sh)
  export VOICE_SERVER_TEST_REDIS
  # The Redis started here goes when the tests are done (it keeps nothing on disk).
  trap 'redis-cli --no-auth-warning -u "$VOICE_SERVER_TEST_REDIS" shutdown nosave > /dev/null 2>&1 || true' EXIT
fi

scripts/chromium-for-tests.sh
scripts/telnyx-sdk-for-tests.sh
scripts/plivo-sdk-for-tests.sh
scripts/vonage-sdk-for-tests.sh

dotnet test VoiceServer.slnx "$@"
