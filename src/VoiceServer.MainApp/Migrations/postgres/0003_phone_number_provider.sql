-- The provider is a property of the phone number: only that provider's voice webhook routes calls to it. Numbers
-- stored before were Twilio's, the only provider then.
ALTER TABLE phone_numbers ADD COLUMN IF NOT EXISTS provider text NOT NULL DEFAULT 'twilio'
    CONSTRAINT phone_numbers_provider_known CHECK (provider IN ('twilio', 'telnyx', 'plivo', 'vonage'));
