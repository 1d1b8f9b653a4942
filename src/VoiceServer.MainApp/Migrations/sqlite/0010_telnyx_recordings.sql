-- Recordings of Telnyx calls too: each recording row says whose it is, so its media is fetched from (and deleted at)
-- that provider's API. Every row before this one is Twilio's.
ALTER TABLE call_recordings ADD COLUMN provider TEXT NOT NULL DEFAULT 'twilio' CHECK (provider IN ('twilio', 'telnyx'));
