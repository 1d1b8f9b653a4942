-- Agents, the numbers that reach them, and the voice server's call records (PostgreSQL; runs as is in a Supabase
-- project's SQL editor or as a migration).
CREATE TABLE IF NOT EXISTS agents (
    id text PRIMARY KEY,
    name text NOT NULL,
    prompt text,
    voice text NOT NULL DEFAULT 'alloy',
    temperature double precision,
    greeting text,
    tools text,
    openai_key_encrypted text,
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS phone_numbers (
    number text PRIMARY KEY,
    agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS call_records (
    call_id text PRIMARY KEY,
    agent_id text,
    call_sid text,
    started_at timestamptz NOT NULL,
    ended_at timestamptz NOT NULL,
    duration_ms bigint NOT NULL,
    end_reason text NOT NULL,
    record_json text NOT NULL,
    received_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS call_records_agent ON call_records (agent_id, started_at);
