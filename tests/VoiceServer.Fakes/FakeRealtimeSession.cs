using System.Text.Json.Nodes;
using VoiceServer.RealtimeEmulator.Protocol;

namespace VoiceServer.Fakes;

/// <summary>
/// The fake's session as <c>session.created</c> and <c>session.updated</c> report it: the real API's defaults, and
/// updates merged in once <see cref="RealtimeSchema"/> has accepted them.
/// </summary>
internal static class FakeRealtimeSession
{
    /// <summary>The session a new connection starts with, as <c>session.created</c> shows it.</summary>
    public static JsonObject DefaultSession(string model, string sessionId, long expiresAt) => new()
    {
        ["type"] = "realtime",
        ["object"] = "realtime.session",
        ["id"] = sessionId,
        ["model"] = model,
        ["output_modalities"] = new JsonArray("audio"),
        ["instructions"] = "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI. Act like a human, but remember that you aren't a human.",
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
                ["format"] = RealtimeSchema.Format(RealtimeSchema.FormatPcm),
                ["transcription"] = null,
                ["noise_reduction"] = null,
                ["turn_detection"] = NormalizeTurnDetection(new JsonObject { ["type"] = "server_vad" }),
            },
            ["output"] = new JsonObject
            {
                ["format"] = RealtimeSchema.Format(RealtimeSchema.FormatPcm),
                ["voice"] = "alloy",
                ["speed"] = 1.0,
            },
        },
        ["include"] = null,
    };

    /// <summary>Applies a valid update: only the fields sent change; nested audio settings merge key by key.</summary>
    public static void Merge(JsonObject effective, JsonObject update)
    {
        foreach (var (key, value) in update)
        {
            if (key == "audio" && value is JsonObject audio)
            {
                var target = effective["audio"] as JsonObject ?? [];
                effective["audio"] = target;
                foreach (var (direction, settings) in audio)
                {
                    if (settings is not JsonObject settingsObject)
                    {
                        continue;
                    }

                    var targetDirection = target[direction] as JsonObject ?? [];
                    target[direction] = targetDirection;
                    foreach (var (setting, settingValue) in settingsObject)
                    {
                        targetDirection[setting] = Normalize(setting, settingValue?.DeepClone());
                    }
                }
            }
            else
            {
                effective[key] = value?.DeepClone();
            }
        }
    }

    public static string? FormatType(JsonObject session, string direction) =>
        session["audio"]?[direction]?["format"]?["type"]?.GetValue<string>();

    private static JsonNode? Normalize(string setting, JsonNode? value) => (setting, value) switch
    {
        ("format", JsonObject format) when format["type"]?.GetValue<string>() == RealtimeSchema.FormatPcm && !format.ContainsKey("rate") =>
            RealtimeSchema.Format(RealtimeSchema.FormatPcm),
        ("turn_detection", JsonObject turnDetection) => NormalizeTurnDetection(turnDetection),
        _ => value,
    };

    /// <summary>The server reports turn detection with every default filled in.</summary>
    private static JsonObject NormalizeTurnDetection(JsonObject value)
    {
        var result = (JsonObject)value.DeepClone();
        if (result["type"]?.GetValue<string>() == "semantic_vad")
        {
            result.TryAdd("eagerness", "auto");
        }
        else
        {
            result.TryAdd("threshold", 0.5);
            result.TryAdd("prefix_padding_ms", 300);
            result.TryAdd("silence_duration_ms", 200);
            result.TryAdd("idle_timeout_ms", null);
        }

        result.TryAdd("create_response", true);
        result.TryAdd("interrupt_response", true);
        return result;
    }
}
