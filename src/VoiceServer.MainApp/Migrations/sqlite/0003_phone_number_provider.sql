-- The provider is a property of the phone number: only that provider's voice webhook routes calls to it. Numbers
-- stored before were Twilio's, the only provider then.
ALTER TABLE phone_numbers ADD COLUMN provider TEXT NOT NULL DEFAULT 'twilio'
    CHECK (provider IN ('twilio', 'telnyx', 'plivo', 'vonage'));
