using VoiceServer.Twilio;

namespace VoiceServer.Configuration;

/// <summary>The signature check of the upgrade, or none when <c>TWILIO_AUTH_TOKEN</c> is not set.</summary>
internal sealed record UpgradeSignatureCheck(TwilioSignatureValidator? Validator);
