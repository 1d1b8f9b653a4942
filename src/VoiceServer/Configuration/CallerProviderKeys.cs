namespace VoiceServer.Configuration;

/// <summary>The providers' names in <c>CALLER_PROVIDERS</c>; each is the segment of its media-stream path.</summary>
internal static class CallerProviderKeys
{
    public const string Twilio = "twilio";

    public const string Telnyx = "telnyx";

    public const string Plivo = "plivo";

    public const string Vonage = "vonage";

    public static IReadOnlyList<string> All { get; } = [Twilio, Telnyx, Plivo, Vonage];
}
