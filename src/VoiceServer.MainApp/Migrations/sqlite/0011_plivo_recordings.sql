-- Recordings of Plivo calls too: a recording row may be Plivo's. SQLite cannot change a CHECK in place, so the table
-- is copied into one whose CHECK allows it, every row as it was.
CREATE TABLE call_recordings_0011 (
    call_sid TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    recording_sid TEXT,
    status TEXT NOT NULL,
    duration_seconds INTEGER,
    channels INTEGER,
    requested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    provider TEXT NOT NULL DEFAULT 'twilio' CHECK (provider IN ('twilio', 'telnyx', 'plivo'))
);
INSERT INTO call_recordings_0011 (call_sid, agent_id, recording_sid, status, duration_seconds, channels, requested_at, updated_at, provider)
    SELECT call_sid, agent_id, recording_sid, status, duration_seconds, channels, requested_at, updated_at, provider FROM call_recordings;
DROP TABLE call_recordings;
ALTER TABLE call_recordings_0011 RENAME TO call_recordings;
