-- Recordings: whether an agent's calls are recorded (Twilio's own dual-channel recording), and each recorded call's
-- recording as Twilio's status callback reports it. A row is written when the app asks Twilio to record the call
-- (status 'requested'); the callback fills in the rest. Only Twilio's RecordingSid is kept, never its media URL.
ALTER TABLE agents ADD COLUMN record_calls INTEGER NOT NULL DEFAULT 0;

CREATE TABLE call_recordings (
    call_sid TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    recording_sid TEXT,
    status TEXT NOT NULL,
    duration_seconds INTEGER,
    channels INTEGER,
    requested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
