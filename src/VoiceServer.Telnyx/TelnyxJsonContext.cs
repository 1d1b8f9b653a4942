using System.Text.Json.Serialization;

namespace VoiceServer.Telnyx;

/// <summary>
/// The inner object of Telnyx's <c>start</c> message (telnyx-media-streaming §3.3). The stream id is not in here:
/// Telnyx puts it at the top level of the frame. Off the per-frame path.
/// </summary>
internal sealed class TelnyxStartBody
{
    public string? CallControlId { get; set; }

    public string? CallSessionId { get; set; }

    public string? From { get; set; }

    public string? To { get; set; }

    public TelnyxMediaFormat? MediaFormat { get; set; }

    public Dictionary<string, string>? CustomParameters { get; set; }
}

internal sealed class TelnyxMediaFormat
{
    public string? Encoding { get; set; }

    public int? SampleRate { get; set; }

    public int? Channels { get; set; }
}

/// <summary>The body of a transfer command (telnyx-media-streaming §6).</summary>
internal sealed record TelnyxTransferCommand(string To);

// Telnyx's JSON is snake_case throughout; numbers may be strings (as Twilio does), which costs nothing to accept.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(TelnyxStartBody))]
[JsonSerializable(typeof(TelnyxTransferCommand))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class TelnyxJsonContext : JsonSerializerContext;
