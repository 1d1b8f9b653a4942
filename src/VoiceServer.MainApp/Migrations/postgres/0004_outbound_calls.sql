-- Outbound calls: what an agent does on an answering machine, and how fast it may dial.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS voicemail_policy text NOT NULL DEFAULT 'hangup';
ALTER TABLE agents ADD COLUMN IF NOT EXISTS voicemail_message text;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS outbound_calls_per_minute integer NOT NULL DEFAULT 10;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS outbound_max_concurrent integer NOT NULL DEFAULT 5;

-- The calls the app placed: a call record whose call_sid is here was outbound. status is Twilio's final status,
-- answered_by its answering-machine detection's verdict.
CREATE TABLE IF NOT EXISTS outbound_calls (
    call_sid text PRIMARY KEY,
    agent_id text NOT NULL,
    to_number text NOT NULL,
    from_number text NOT NULL,
    placed_at timestamptz NOT NULL,
    status text,
    answered_by text
);
