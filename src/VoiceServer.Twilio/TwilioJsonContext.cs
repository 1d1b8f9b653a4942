using System.Text.Json.Serialization;

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

internal sealed class TwilioMediaFormat
{
    public string? Encoding { get; set; }

    public int? SampleRate { get; set; }

    public int? Channels { get; set; }
}

// Numbers are read from strings too: Twilio sends most numbers as strings, and tolerance here costs nothing.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(TwilioStartBody))]
internal sealed partial class TwilioJsonContext : JsonSerializerContext;
