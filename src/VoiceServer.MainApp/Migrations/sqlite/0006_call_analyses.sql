-- Post-call analysis: each agent's plan (JSON: summaryPrompt, structuredDataSchema, successRubric), and the durable
-- queue of analyses, one row per stored call record of an agent with a plan, inserted with the record.
ALTER TABLE agents ADD COLUMN analysis_plan TEXT;

-- status: pending (waiting or being worked), completed (result holds the answer, passed its success verdict),
-- error (given up; last_error says why). next_attempt_at and lease_until are Unix milliseconds: a worker takes a due
-- row by setting lease_until, so a row whose worker died is taken again once its lease has run out.
CREATE TABLE call_analyses (
    call_id TEXT PRIMARY KEY REFERENCES call_records (call_id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'error')),
    attempts INTEGER NOT NULL DEFAULT 0,
    invalid_answers INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    result_json TEXT,
    passed INTEGER,
    created_at TEXT NOT NULL,
    completed_at TEXT
);

CREATE INDEX call_analyses_due ON call_analyses (status, next_attempt_at);
