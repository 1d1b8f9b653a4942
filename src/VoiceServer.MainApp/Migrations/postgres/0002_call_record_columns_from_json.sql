-- A stored call record no longer changes (a different record for its call id is refused), so the columns beside
-- record_json cannot drift from it any more. They could before: a redelivery replaced record_json and left them as
-- they were. Rewrite them from the record itself, the one source of truth. Row by row, so a record PostgreSQL cannot
-- read (json it rejects, a value that does not convert) keeps its columns instead of stopping the migration.
DO $$
DECLARE
    stored record;
BEGIN
    FOR stored IN SELECT call_id FROM call_records LOOP
        BEGIN
            UPDATE call_records SET
                agent_id = CASE WHEN json_typeof(record_json::json -> 'agentId') = 'string' THEN record_json::json ->> 'agentId' END,
                call_sid = CASE WHEN json_typeof(record_json::json -> 'callSid') = 'string' THEN record_json::json ->> 'callSid' END,
                started_at = COALESCE((record_json::json ->> 'startedAt')::timestamptz, started_at),
                ended_at = COALESCE((record_json::json ->> 'endedAt')::timestamptz, ended_at),
                duration_ms = CASE WHEN json_typeof(record_json::json -> 'durationMs') = 'number' THEN (record_json::json ->> 'durationMs')::bigint ELSE duration_ms END,
                end_reason = CASE WHEN json_typeof(record_json::json -> 'endReason') = 'string' THEN record_json::json ->> 'endReason' ELSE end_reason END
            WHERE call_id = stored.call_id;
        EXCEPTION WHEN others THEN
            RAISE WARNING 'call record % keeps its columns: %', stored.call_id, SQLERRM;
        END;
    END LOOP;
END
$$;
