using System.Text.Json.Serialization;

namespace VoiceServer.Plivo;

/// <summary>
/// The inner object of Plivo's <c>start</c> message (plivo-audio-streams §3.2). Unlike Telnyx, the stream id is in
/// here; <c>extra_headers</c> is not (it sits at the top level). Off the per-frame path.
/// </summary>
internal sealed class PlivoStartBody
{
    public string? CallId { get; set; }

    public string? StreamId { get; set; }

    public string? AccountId { get; set; }

    public PlivoMediaFormat? MediaFormat { get; set; }
}

internal sealed class PlivoMediaFormat
{
    public string? Encoding { get; set; }

    public int? SampleRate { get; set; }
}

/// <summary>The body of a transfer (plivo-audio-streams §6): the A leg fetches new XML from <c>aleg_url</c>.</summary>
internal sealed record PlivoTransferCommand(
    [property: JsonPropertyName("legs")] string Legs,
    [property: JsonPropertyName("aleg_url")] string AlegUrl,
    [property: JsonPropertyName("aleg_method")] string AlegMethod);

// Plivo's stream JSON is camelCase (§3.1); unknown members such as tracks are skipped.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PlivoStartBody))]
[JsonSerializable(typeof(PlivoTransferCommand))]
internal sealed partial class PlivoJsonContext : JsonSerializerContext;
