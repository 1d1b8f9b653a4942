-- Post-call analysis: each agent's plan (JSON: summaryPrompt, structuredDataSchema, successRubric), and the durable
-- queue of analyses, one row per stored call record of an agent with a plan, inserted with the record.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS analysis_plan text;

-- status: pending (waiting or being worked), completed (result holds the answer, passed its success verdict),
-- error (given up; last_error says why). next_attempt_at and lease_until are Unix milliseconds: a worker takes a due
-- row by setting lease_until (FOR UPDATE SKIP LOCKED, so instances sharing the database never take the same row),
-- and a row whose worker died is taken again once its lease has run out.
CREATE TABLE IF NOT EXISTS call_analyses (
    call_id text PRIMARY KEY REFERENCES call_records (call_id) ON DELETE CASCADE,
    agent_id text NOT NULL,
    plan_json text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'error')),
    attempts integer NOT NULL DEFAULT 0,
    invalid_answers integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    lease_until bigint,
    last_error text,
    result_json text,
    passed boolean,
    created_at timestamptz NOT NULL,
    completed_at timestamptz
);

CREATE INDEX IF NOT EXISTS call_analyses_due ON call_analyses (status, next_attempt_at);
