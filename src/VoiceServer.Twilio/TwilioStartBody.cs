namespace VoiceServer.Twilio;

/// <summary>The body of Twilio's <c>start</c> message (twilio-media-streams §3.3). Off the per-frame path.</summary>
internal sealed class TwilioStartBody
{
    public string? AccountSid { get; set; }

    public string? StreamSid { get; set; }

    public string? CallSid { get; set; }

    public List<string>? Tracks { get; set; }

    public TwilioMediaFormat? MediaFormat { get; set; }

    public Dictionary<string, string>? CustomParameters { get; set; }
}
