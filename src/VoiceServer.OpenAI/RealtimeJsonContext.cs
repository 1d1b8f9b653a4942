using System.Text.Json.Serialization;
using VoiceServer.Calls;

namespace VoiceServer.OpenAI;

// The client events we build off the per-frame path, in the GA shape of docs/reference/openai-realtime.md §2–3. Built from fixed
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

    public IReadOnlyList<RealtimeFunctionTool>? Tools { get; init; }

    public string? ToolChoice { get; init; }
}

internal sealed class RealtimeFunctionTool
{
    public string Type { get; } = "function";

    public required string Name { get; init; }

    public required string Description { get; init; }

    public required System.Text.Json.JsonElement Parameters { get; init; }
}

internal sealed class RealtimeNoiseReduction
{
    public required string Type { get; init; }
}

internal sealed class RealtimeAudioConfig
{
    public required RealtimeAudioInput Input { get; init; }

    public required RealtimeAudioOutput Output { get; init; }
}

internal sealed class RealtimeAudioInput
{
    public RealtimeAudioFormat Format { get; } = RealtimeAudioFormat.MuLaw;

    public RealtimeTranscription? Transcription { get; init; }

    public RealtimeNoiseReduction? NoiseReduction { get; init; }

    public required RealtimeTurnDetection TurnDetection { get; init; }
}

internal sealed class RealtimeTranscription
{
    public required string Model { get; init; }

    public string? Language { get; init; }
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

/// <summary>
/// Server VAD with every value set (the documented defaults disagree: silence 500 vs 200 ms), or semantic VAD with
/// its eagerness.
/// </summary>
internal sealed class RealtimeTurnDetection
{
    public required string Type { get; init; }

    public double? Threshold { get; init; }

    public int? PrefixPaddingMs { get; init; }

    public int? SilenceDurationMs { get; init; }

    public string? Eagerness { get; init; }

    public bool CreateResponse { get; } = true;

    public required bool InterruptResponse { get; init; }

    public static RealtimeTurnDetection From(TurnDetectionSettings? settings, bool interruptResponse) =>
        settings?.Type == TurnDetectionSettings.SemanticVad
            ? new RealtimeTurnDetection { Type = settings.Type, Eagerness = settings.Eagerness ?? "auto", InterruptResponse = interruptResponse }
            : new RealtimeTurnDetection
            {
                Type = TurnDetectionSettings.ServerVad,
                Threshold = settings?.Threshold ?? 0.5,
                PrefixPaddingMs = settings?.PrefixPaddingMs ?? 300,
                SilenceDurationMs = settings?.SilenceMs ?? 500,
                InterruptResponse = interruptResponse,
            };
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

internal sealed class ConversationItemCreateEvent
{
    public string Type { get; } = "conversation.item.create";

    public required ConversationMessageItem Item { get; init; }
}

/// <summary>A text message item: user turns carry <c>input_text</c>, assistant turns <c>output_text</c>.</summary>
internal sealed class ConversationMessageItem
{
    public string Type { get; } = "message";

    public required string Role { get; init; }

    public required IReadOnlyList<ConversationContentPart> Content { get; init; }
}

internal sealed class ConversationContentPart
{
    public required string Type { get; init; }

    public required string Text { get; init; }
}

internal sealed class FunctionOutputCreateEvent
{
    public string Type { get; } = "conversation.item.create";

    public required FunctionOutputItem Item { get; init; }
}

internal sealed class FunctionOutputItem
{
    public string Type { get; } = "function_call_output";

    public required string CallId { get; init; }

    public required string Output { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SessionUpdateEvent))]
[JsonSerializable(typeof(TruncateEvent))]
[JsonSerializable(typeof(ResponseCreateEvent))]
[JsonSerializable(typeof(ConversationItemCreateEvent))]
[JsonSerializable(typeof(FunctionOutputCreateEvent))]
internal sealed partial class RealtimeJsonContext : JsonSerializerContext;
