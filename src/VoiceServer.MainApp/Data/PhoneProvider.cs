namespace VoiceServer.MainApp.Data;

/// <summary>The network a phone number is on: whose voice webhook may route calls to it.</summary>
internal enum PhoneProvider
{
    Twilio,
    Telnyx,
    Plivo,
    Vonage,
}
