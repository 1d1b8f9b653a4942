-- Recordings of Vonage calls too: a recording row may be Vonage's. Vonage's recording callback names the call's
-- conversation (conversation_uuid), not the call, so the row keeps the conversation the answer webhook gave; and it
-- sends the file's URL, which the app keeps only once checked to be a file on an allowed Vonage API origin
-- (media_url). SQLite cannot change a CHECK in place, so the table is copied into one whose CHECK allows Vonage,
-- every row as it was.
CREATE TABLE call_recordings_0012 (
    call_sid TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    recording_sid TEXT,
    status TEXT NOT NULL,
    duration_seconds INTEGER,
    channels INTEGER,
    requested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    provider TEXT NOT NULL DEFAULT 'twilio' CHECK (provider IN ('twilio', 'telnyx', 'plivo', 'vonage')),
    conversation_id TEXT,
    media_url TEXT
);
INSERT INTO call_recordings_0012 (call_sid, agent_id, recording_sid, status, duration_seconds, channels, requested_at, updated_at, provider)
    SELECT call_sid, agent_id, recording_sid, status, duration_seconds, channels, requested_at, updated_at, provider FROM call_recordings;
DROP TABLE call_recordings;
ALTER TABLE call_recordings_0012 RENAME TO call_recordings;
CREATE UNIQUE INDEX call_recordings_conversation ON call_recordings (conversation_id);
