-- Recordings: whether an agent's calls are recorded (Twilio's own dual-channel recording), and each recorded call's
-- recording as Twilio's status callback reports it. A row is written when the app asks Twilio to record the call
-- (status 'requested'); the callback fills in the rest. Only Twilio's RecordingSid is kept, never its media URL.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS record_calls boolean NOT NULL DEFAULT false;

CREATE TABLE IF NOT EXISTS call_recordings (
    call_sid text PRIMARY KEY,
    agent_id text NOT NULL,
    recording_sid text,
    status text NOT NULL,
    duration_seconds integer,
    channels integer,
    requested_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
