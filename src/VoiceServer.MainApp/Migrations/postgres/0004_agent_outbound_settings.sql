-- Outbound calls: what an agent does on an answering machine, and how fast it may dial.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS voicemail_policy text NOT NULL DEFAULT 'hangup';
ALTER TABLE agents ADD COLUMN IF NOT EXISTS voicemail_message text;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS outbound_calls_per_minute integer NOT NULL DEFAULT 10;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS outbound_max_concurrent integer NOT NULL DEFAULT 5;
