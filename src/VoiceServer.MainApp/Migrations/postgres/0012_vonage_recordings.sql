-- Recordings of Vonage calls too: a recording row may be Vonage's. Vonage's recording callback names the call's
-- conversation (conversation_uuid), not the call, so the row keeps the conversation the answer webhook gave; and it
-- sends the file's URL, which the app keeps only once checked to be a file on an allowed Vonage API origin (media_url).
ALTER TABLE call_recordings DROP CONSTRAINT IF EXISTS call_recordings_provider_check;
ALTER TABLE call_recordings ADD CONSTRAINT call_recordings_provider_check CHECK (provider IN ('twilio', 'telnyx', 'plivo', 'vonage'));
ALTER TABLE call_recordings ADD COLUMN conversation_id TEXT;
ALTER TABLE call_recordings ADD COLUMN media_url TEXT;
CREATE UNIQUE INDEX call_recordings_conversation ON call_recordings (conversation_id);
