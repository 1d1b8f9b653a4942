using System.Text.Json.Serialization;

namespace VoiceServer.OpenAI;

// The client events we build off the per-frame path, in the GA shape of openai-realtime.md §2–3. Built from fixed
// types, never from caller-supplied JSON: one unknown key would reject the whole session.update.

internal sealed class SessionUpdateEvent
{
    public string Type { get; } = "session.update";

    public required string EventId { get; init; }

    public required RealtimeSessionConfig Session { get; init; }
}

internal sealed class RealtimeSessionConfig
{
    public string Type { get; } = "realtime";

    public IReadOnlyList<string> OutputModalities { get; } = ["audio"];

    public string? Instructions { get; init; }

    public required RealtimeAudioConfig Audio { get; init; }
}

internal sealed class RealtimeAudioConfig
{
    public required RealtimeAudioInput Input { get; init; }

    public required RealtimeAudioOutput Output { get; init; }
}

internal sealed class RealtimeAudioInput
{
    public RealtimeAudioFormat Format { get; } = RealtimeAudioFormat.MuLaw;

    public required RealtimeTurnDetection TurnDetection { get; init; }
}

internal sealed class RealtimeAudioOutput
{
    public RealtimeAudioFormat Format { get; } = RealtimeAudioFormat.MuLaw;

    public required string Voice { get; init; }
}

internal sealed class RealtimeAudioFormat
{
    public const string MuLawType = "audio/pcmu";

    public static RealtimeAudioFormat MuLaw { get; } = new() { Type = MuLawType };

    public required string Type { get; init; }
}

/// <summary>Server VAD with every value set: the documented defaults disagree (silence 500 vs 200 ms).</summary>
internal sealed class RealtimeTurnDetection
{
    public string Type { get; } = "server_vad";

    public double Threshold { get; } = 0.5;

    public int PrefixPaddingMs { get; } = 300;

    public int SilenceDurationMs { get; } = 500;

    public bool CreateResponse { get; } = true;

    public required bool InterruptResponse { get; init; }
}

internal sealed class TruncateEvent
{
    public string Type { get; } = "conversation.item.truncate";

    public required string ItemId { get; init; }

    public required int ContentIndex { get; init; }

    public required int AudioEndMs { get; init; }
}

internal sealed class ResponseCreateEvent
{
    public string Type { get; } = "response.create";

    public ResponseCreateOptions? Response { get; init; }
}

internal sealed class ResponseCreateOptions
{
    public string? Instructions { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SessionUpdateEvent))]
[JsonSerializable(typeof(TruncateEvent))]
[JsonSerializable(typeof(ResponseCreateEvent))]
internal sealed partial class RealtimeJsonContext : JsonSerializerContext;
