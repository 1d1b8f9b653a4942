using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceServer.RealtimeEmulator.Audio;

namespace VoiceServer.RealtimeEmulator.Protocol;

/// <summary>
/// The effective GA session: the JSON reported in <c>session.created</c> / <c>session.updated</c>, plus a typed
/// view of the parts the emulator acts on. Updates must be validated with <see cref="RealtimeSchema"/> first.
/// </summary>
internal sealed class SessionConfig
{
    public const string DefaultInstructions =
        "You are a local Realtime emulator. You repeat the caller back and answer other requests with a chime.";

    // The spec text gives 500 ms (its own examples show 200); callers should always send it anyway.
    private const int DefaultSilenceDurationMs = 500;

    private readonly JsonObject _session;

    public SessionConfig(string id, string model, long expiresAt)
    {
        _session = new JsonObject
        {
            ["type"] = "realtime",
            ["object"] = "realtime.session",
            ["id"] = id,
            ["model"] = model,
            ["output_modalities"] = new JsonArray("audio"),
            ["instructions"] = DefaultInstructions,
            ["tools"] = new JsonArray(),
            ["tool_choice"] = "auto",
            ["max_output_tokens"] = "inf",
            ["tracing"] = null,
            ["truncation"] = "auto",
            ["prompt"] = null,
            ["expires_at"] = expiresAt,
            ["audio"] = new JsonObject
            {
                ["input"] = new JsonObject
                {
                    // The real default is 24 kHz PCM both ways: a client that never sends pcmu gets exactly that.
                    ["format"] = NormalizeFormat(RealtimeSchema.FormatPcm),
                    ["transcription"] = null,
                    ["noise_reduction"] = null,
                    ["turn_detection"] = NormalizeServerVad(null),
                },
                ["output"] = new JsonObject
                {
                    ["format"] = NormalizeFormat(RealtimeSchema.FormatPcm),
                    ["voice"] = "alloy",
                    ["speed"] = 1.0,
                },
            },
            ["include"] = null,
        };

        Refresh();
    }

    public string InputFormat { get; private set; } = RealtimeSchema.FormatPcm;

    public string OutputFormat { get; private set; } = RealtimeSchema.FormatPcm;

    /// <summary>
    /// The client asked for <c>audio/pcm</c> input in a <c>session.update</c>: appends are converted from 24 kHz PCM.
    /// A session left at the default format keeps the emulator's leniency: whatever arrives is read as μ-law.
    /// </summary>
    public bool InputIsChosenPcm { get; private set; }

    /// <summary>The client asked for <c>audio/pcm</c> output: deltas are converted to 24 kHz PCM.</summary>
    public bool OutputIsChosenPcm { get; private set; }

    public string Voice { get; private set; } = "alloy";

    public string Instructions { get; private set; } = DefaultInstructions;

    public bool OutputsText { get; private set; }

    /// <summary>The session asked for input transcription (<c>audio.input.transcription</c> set).</summary>
    public bool TranscribesInput { get; private set; }

    public TurnDetectionSettings? TurnDetection { get; private set; }

    /// <summary>A copy of the session JSON, for an event.</summary>
    public JsonObject ToJson() => (JsonObject)_session.DeepClone();

    public JsonObject OutputFormatJson() => (JsonObject)_session["audio"]!["output"]!["format"]!.DeepClone();

    public JsonNode VoiceJson() => _session["audio"]!["output"]!["voice"]!.DeepClone();

    /// <summary>Applies a validated update: only the fields sent change.</summary>
    public void Apply(JsonElement update)
    {
        foreach (var property in update.EnumerateObject())
        {
            switch (property.Name)
            {
                case "type":
                case "model":
                    // The type is always "realtime" here and the model is fixed by the URL.
                    break;
                case "audio":
                    ApplyAudio(property.Value);
                    break;
                default:
                    _session[property.Name] = Copy(property.Value);
                    break;
            }
        }

        Refresh();
    }

    private static JsonNode? Copy(JsonElement value) => JsonNode.Parse(value.GetRawText());

    private static JsonObject NormalizeFormat(string type) => type == RealtimeSchema.FormatPcm
        ? new JsonObject { ["type"] = type, ["rate"] = RealtimeSchema.PcmRate }
        : new JsonObject { ["type"] = type };

    private static JsonObject NormalizeServerVad(JsonElement? sent)
    {
        // A partial turn_detection replaces the whole object; what it leaves out takes the defaults.
        var value = sent ?? default;
        return new JsonObject
        {
            ["type"] = "server_vad",
            ["threshold"] = GetOr(value, "threshold", static e => e.GetDouble(), VadSettings.Default.Threshold),
            ["prefix_padding_ms"] = GetOr(value, "prefix_padding_ms", static e => e.GetInt32(), VadSettings.Default.PrefixPaddingMs),
            ["silence_duration_ms"] = GetOr(value, "silence_duration_ms", static e => e.GetInt32(), DefaultSilenceDurationMs),
            ["idle_timeout_ms"] = GetOr<int?>(value, "idle_timeout_ms", static e => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32(), null),
            ["create_response"] = GetOr(value, "create_response", static e => e.GetBoolean(), true),
            ["interrupt_response"] = GetOr(value, "interrupt_response", static e => e.GetBoolean(), true),
        };
    }

    private static JsonObject NormalizeSemanticVad(JsonElement sent) => new()
    {
        ["type"] = "semantic_vad",
        ["eagerness"] = GetOr(sent, "eagerness", static e => e.GetString(), "auto"),
        ["create_response"] = GetOr(sent, "create_response", static e => e.GetBoolean(), true),
        ["interrupt_response"] = GetOr(sent, "interrupt_response", static e => e.GetBoolean(), true),
    };

    private static T GetOr<T>(JsonElement value, string name, Func<JsonElement, T> read, T fallback) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var property) ? read(property) : fallback;

    private void ApplyAudio(JsonElement audio)
    {
        var target = _session["audio"]!.AsObject();
        foreach (var direction in audio.EnumerateObject())
        {
            var section = target[direction.Name]!.AsObject();
            foreach (var property in direction.Value.EnumerateObject())
            {
                if (property.Name == "format")
                {
                    var isPcm = property.Value.GetProperty("type").GetString() == RealtimeSchema.FormatPcm;
                    if (direction.Name == "input")
                    {
                        InputIsChosenPcm = isPcm;
                    }
                    else
                    {
                        OutputIsChosenPcm = isPcm;
                    }
                }

                section[property.Name] = property.Name switch
                {
                    "format" => NormalizeFormat(property.Value.GetProperty("type").GetString()!),
                    "turn_detection" when property.Value.ValueKind == JsonValueKind.Null => null,
                    "turn_detection" when property.Value.GetProperty("type").GetString() == "semantic_vad" =>
                        NormalizeSemanticVad(property.Value),
                    "turn_detection" => NormalizeServerVad(property.Value),
                    _ => Copy(property.Value),
                };
            }
        }
    }

    private void Refresh()
    {
        var input = _session["audio"]!["input"]!;
        var output = _session["audio"]!["output"]!;
        InputFormat = (string)input["format"]!["type"]!;
        OutputFormat = (string)output["format"]!["type"]!;
        var voice = output["voice"]!;
        Voice = voice is JsonValue ? (string)voice! : (string?)voice["id"] ?? "custom";
        Instructions = (string?)_session["instructions"] ?? string.Empty;
        OutputsText = (string?)_session["output_modalities"]![0] == "text";
        TurnDetection = ReadTurnDetection(input["turn_detection"]);
        TranscribesInput = input["transcription"] is JsonObject;
    }

    private static TurnDetectionSettings? ReadTurnDetection(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        var createResponse = (bool)node["create_response"]!;
        var interruptResponse = (bool)node["interrupt_response"]!;
        if ((string)node["type"]! == "semantic_vad")
        {
            // No language model to judge "finished speaking": approximate eagerness with the silence needed.
            var silenceMs = (string?)node["eagerness"] switch
            {
                "low" => 1000,
                "high" => 250,
                _ => DefaultSilenceDurationMs,
            };
            return new TurnDetectionSettings(VadSettings.Default with { SilenceDurationMs = silenceMs }, createResponse, interruptResponse);
        }

        var vad = new VadSettings((double)node["threshold"]!, (int)node["prefix_padding_ms"]!, (int)node["silence_duration_ms"]!);
        return new TurnDetectionSettings(vad, createResponse, interruptResponse);
    }
}
