namespace VoiceServer.Legs;

/// <summary>The facts of Twilio's <c>start</c> message that the call needs.</summary>
public sealed record CallerStart(
    string StreamSid,
    string? CallSid,
    string? AccountSid,
    string? Encoding,
    int? SampleRate,
    int? Channels,
    IReadOnlyDictionary<string, string> CustomParameters);
