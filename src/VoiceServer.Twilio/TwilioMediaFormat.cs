namespace VoiceServer.Twilio;

internal sealed class TwilioMediaFormat
{
    public string? Encoding { get; set; }

    public int? SampleRate { get; set; }

    public int? Channels { get; set; }
}
