-- Agents, the numbers that reach them, and the voice server's call records (SQLite).
CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    prompt TEXT,
    voice TEXT NOT NULL DEFAULT 'alloy',
    temperature REAL,
    greeting TEXT,
    tools TEXT,
    openai_key_encrypted TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE phone_numbers (
    number TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE
);

CREATE TABLE call_records (
    call_id TEXT PRIMARY KEY,
    agent_id TEXT,
    call_sid TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    end_reason TEXT NOT NULL,
    record_json TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE INDEX call_records_agent ON call_records (agent_id, started_at);
