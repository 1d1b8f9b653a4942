-- A stored call record no longer changes (a different record for its call id is refused), so the columns beside
-- record_json cannot drift from it any more. They could before: a redelivery replaced record_json and left them as
-- they were. Rewrite them from the record itself, the one source of truth; times only where the instant differs, so
-- untouched rows keep their precision.
UPDATE call_records SET
    agent_id = CASE WHEN json_type(record_json, '$.agentId') = 'text' THEN json_extract(record_json, '$.agentId') END,
    call_sid = CASE WHEN json_type(record_json, '$.callSid') = 'text' THEN json_extract(record_json, '$.callSid') END,
    started_at = CASE
        WHEN strftime('%Y-%m-%d %H:%M:%f', json_extract(record_json, '$.startedAt')) IS NOT NULL
            AND strftime('%Y-%m-%d %H:%M:%f', json_extract(record_json, '$.startedAt')) IS NOT strftime('%Y-%m-%d %H:%M:%f', started_at)
        THEN strftime('%Y-%m-%d %H:%M:%f', json_extract(record_json, '$.startedAt')) || '+00:00'
        ELSE started_at END,
    ended_at = CASE
        WHEN strftime('%Y-%m-%d %H:%M:%f', json_extract(record_json, '$.endedAt')) IS NOT NULL
            AND strftime('%Y-%m-%d %H:%M:%f', json_extract(record_json, '$.endedAt')) IS NOT strftime('%Y-%m-%d %H:%M:%f', ended_at)
        THEN strftime('%Y-%m-%d %H:%M:%f', json_extract(record_json, '$.endedAt')) || '+00:00'
        ELSE ended_at END,
    duration_ms = CASE WHEN json_type(record_json, '$.durationMs') = 'integer' THEN json_extract(record_json, '$.durationMs') ELSE duration_ms END,
    end_reason = CASE WHEN json_type(record_json, '$.endReason') = 'text' THEN json_extract(record_json, '$.endReason') ELSE end_reason END
WHERE json_valid(record_json);
