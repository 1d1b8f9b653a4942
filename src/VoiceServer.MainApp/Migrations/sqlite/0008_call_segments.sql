-- Handoffs: who held each call, one row per segment of its record (position 0: the agent the call was placed for),
-- so that listing an agent's calls finds the ones it took over too. Copies taken from the record's JSON on insert, as
-- call_records' own columns are; the JSON (the segments with their model, usage and cost) stays the source of truth.
CREATE TABLE call_segments (
    call_id TEXT NOT NULL REFERENCES call_records (call_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    agent_id TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    end_reason TEXT NOT NULL,
    handed_to TEXT,
    PRIMARY KEY (call_id, position)
);

CREATE INDEX call_segments_agent ON call_segments (agent_id, call_id);

-- A record stored before segments existed was held by one agent throughout: one segment, from its own columns.
INSERT INTO call_segments (call_id, position, agent_id, started_at, ended_at, end_reason)
SELECT call_id, 0, agent_id, started_at, ended_at, end_reason FROM call_records;
