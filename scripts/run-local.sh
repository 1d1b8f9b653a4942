#!/usr/bin/env bash
# The whole system on this machine, no secrets needed: the voice server with its local Realtime emulator (:8080),
# the main app on SQLite (:8081) with a demo agent on +15550100000, and one simulated phone call through both
# (Twilio's webhook, its TwiML, the media stream). The servers keep running until Ctrl+C; call again with
#   dotnet run --project tools/VoiceServer.Simulator -- --webhook http://localhost:8081/api/twilio/voice --to +15550100000
set -euo pipefail
cd "$(dirname "$0")/.."

# Development-only keys, the same on both services; never use these anywhere real. The configuration goes signed
# and encrypted, as in production: only then does the call's record go back to the main app.
export CALL_EVENTS_SIGNING_KEY="local-development-call-events-key-0000"
export CONFIG_SIGNING_KEY="local-development-config-signing-key-0000"
admin_key="local-admin-key"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done; }
trap cleanup EXIT

dotnet build VoiceServer.slnx -v:q -nologo > /dev/null
# The main app is on this machine: the voice server's records may reach localhost only because it is listed.
PORT=8080 OUTBOUND_ALLOWED_HOSTS=localhost dotnet run --no-build --project src/VoiceServer -- --local-emulator &
pids+=($!)
# The simulator plays Twilio without an account, so it cannot sign the voice webhook: ALLOW_UNAUTHENTICATED=true lets
# the main app start without TWILIO_AUTH_TOKEN (it says so loudly). Development only; production sets the token.
PORT=8081 VOICE_SERVER_URL=ws://localhost:8080 PUBLIC_URL=http://localhost:8081 ADMIN_API_KEY=$admin_key ALLOW_UNAUTHENTICATED=true \
  DATABASE_URL="Data Source=local-main-app.db" dotnet run --no-build --project src/VoiceServer.MainApp &
pids+=($!)

for port in 8080 8081; do
  for _ in $(seq 1 150); do curl -fsS "http://localhost:$port/health" > /dev/null 2>&1 && break; sleep 0.2; done
done

curl -fsS -X PUT http://localhost:8081/api/agents/demo -H "X-Api-Key: $admin_key" -H 'Content-Type: application/json' \
  -d '{"name":"Demo agent","prompt":"You are a friendly demo agent.","voice":"marin","greeting":"Hello from the local demo."}' > /dev/null
curl -fsS -X PUT http://localhost:8081/api/numbers/+15550100000 -H "X-Api-Key: $admin_key" -H 'Content-Type: application/json' \
  -d '{"agentId":"demo"}' > /dev/null

dotnet run --no-build --project tools/VoiceServer.Simulator -- \
  --webhook http://localhost:8081/api/twilio/voice --to +15550100000 --wav samples/audio/caller-booking-8k-pcm16.wav --wait 10

# The call's record, as the voice server delivered it to the main app.
sleep 1
echo "call records in the main app's database:"
curl -fsS "http://localhost:8081/api/calls?agentId=demo" -H "X-Api-Key: $admin_key"
echo
echo "voice server on :8080, main app on :8081; Ctrl+C stops both."
wait
