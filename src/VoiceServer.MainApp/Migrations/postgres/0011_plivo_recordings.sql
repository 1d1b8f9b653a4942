-- Recordings of Plivo calls too: a recording row may be Plivo's. (The CHECK that 0010 added on the column is named
-- by PostgreSQL's convention, table_column_check.)
ALTER TABLE call_recordings DROP CONSTRAINT IF EXISTS call_recordings_provider_check;
ALTER TABLE call_recordings ADD CONSTRAINT call_recordings_provider_check CHECK (provider IN ('twilio', 'telnyx', 'plivo'));
