-- Outbound calls: what an agent does on an answering machine, and how fast it may dial.
ALTER TABLE agents ADD COLUMN voicemail_policy TEXT NOT NULL DEFAULT 'hangup';
ALTER TABLE agents ADD COLUMN voicemail_message TEXT;
ALTER TABLE agents ADD COLUMN outbound_calls_per_minute INTEGER NOT NULL DEFAULT 10;
ALTER TABLE agents ADD COLUMN outbound_max_concurrent INTEGER NOT NULL DEFAULT 5;

-- The calls the app placed: a call record whose call_sid is here was outbound. status is Twilio's final status,
-- answered_by its answering-machine detection's verdict.
CREATE TABLE outbound_calls (
    call_sid TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    to_number TEXT NOT NULL,
    from_number TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    status TEXT,
    answered_by TEXT
);
