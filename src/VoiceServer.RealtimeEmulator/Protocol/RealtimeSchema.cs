using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using static VoiceServer.RealtimeEmulator.Protocol.JsonNodeValues;

namespace VoiceServer.RealtimeEmulator.Protocol;

/// <summary>
/// The GA schema of what a client sends (<c>session.update</c>'s session, <c>response.create</c>'s response) as
/// docs/reference/openai-realtime.md §2 describes it, enforced like the real API: one unknown or misplaced key, or
/// one wrong type, rejects the whole update (§2.3). The one copy, shared by the emulator and the tests' fake
/// Realtime server.
/// </summary>
/// <remarks>
/// Written from the reference, not from VoiceServer.OpenAI's reader and writer, and this project never references
/// that adapter: the fake and the emulator check the production codec, so a bug in it cannot hide on both sides.
/// </remarks>
public static class RealtimeSchema
{
    public const string FormatPcm = "audio/pcm";
    public const string FormatPcmu = "audio/pcmu";
    public const string FormatPcma = "audio/pcma";

    // 24 kHz is the only rate the GA API accepts for audio/pcm.
    public const int PcmRate = 24000;

    public static readonly string[] Voices = ["alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"];

    private static readonly string[] s_sessionKeys =
        ["type", "model", "output_modalities", "instructions", "audio", "tools", "tool_choice", "max_output_tokens", "truncation", "reasoning", "include", "prompt", "tracing", "parallel_tool_calls"];

    private static readonly string[] s_responseKeys =
        ["instructions", "tools", "tool_choice", "output_modalities", "audio", "max_output_tokens", "conversation", "metadata", "input", "prompt"];

    private static readonly string[] s_formats = [FormatPcm, FormatPcmu, FormatPcma];
    private static readonly string[] s_modalities = ["audio", "text"];
    private static readonly string[] s_sessionTypes = ["realtime", "transcription"];
    private static readonly string[] s_vadTypes = ["server_vad", "semantic_vad"];
    private static readonly string[] s_serverVadKeys =
        ["type", "threshold", "prefix_padding_ms", "silence_duration_ms", "create_response", "interrupt_response", "idle_timeout_ms"];

    private static readonly string[] s_semanticVadKeys = ["type", "eagerness", "create_response", "interrupt_response"];
    private static readonly string[] s_eagerness = ["low", "medium", "high", "auto"];
    private static readonly string[] s_noiseReduction = ["near_field", "far_field"];
    private static readonly string[] s_transcriptionKeys = ["model", "language", "prompt", "languages", "keywords"];
    private static readonly string[] s_transcriptionModels =
        ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-mini-transcribe-2025-12-15", "gpt-4o-transcribe-diarize", "gpt-transcribe", "gpt-live-transcribe", "gpt-realtime-whisper"];

    private static readonly string[] s_toolChoices = ["auto", "none", "required"];
    private static readonly string[] s_truncation = ["auto", "disabled"];
    private static readonly string[] s_effort = ["minimal", "low", "medium", "high", "xhigh"];
    private static readonly string[] s_include = ["item.input_audio_transcription.logprobs"];
    private static readonly string[] s_conversation = ["auto", "none"];

    public static JsonObject Format(string type) =>
        type == FormatPcm ? new JsonObject { ["type"] = type, ["rate"] = PcmRate } : new JsonObject { ["type"] = type };

    /// <summary>The <c>session</c> of a <c>session.update</c>, as the emulator reads it.</summary>
    public static RealtimeError? ValidateSessionUpdate(JsonElement session) => ValidateSession(FromElement(session), present: true);

    /// <summary>The optional <c>response</c> of a <c>response.create</c>, as the emulator reads it.</summary>
    public static RealtimeError? ValidateResponseCreate(JsonElement response) => ValidateResponse(FromElement(response));

    /// <summary>The <c>session</c> of a <c>session.update</c>; <paramref name="present"/> says whether the key was sent.</summary>
    public static RealtimeError? ValidateSession(JsonNode? session, bool present)
    {
        const string Path = "session";
        if (!present)
        {
            return RealtimeError.MissingParameter(Path);
        }

        if (session is not JsonObject obj)
        {
            return RealtimeError.InvalidType(Path, "an object", session);
        }

        // Unknown keys first: that is the error beta-shaped updates get, whatever else is wrong with them.
        if (obj.Select(p => p.Key).FirstOrDefault(key => !s_sessionKeys.Contains(key)) is { } unknown)
        {
            return RealtimeError.UnknownParameter($"{Path}.{unknown}");
        }

        foreach (var (key, value) in obj)
        {
            var path = $"{Path}.{key}";
            var error = key switch
            {
                "type" => Enum(path, value, s_sessionTypes),
                "model" => String(path, value),
                "output_modalities" => Modalities(path, value),
                "instructions" => String(path, value),
                "audio" => SessionAudio(path, value),
                "tools" => Tools(path, value),
                "tool_choice" => ToolChoice(path, value),
                "max_output_tokens" => MaxOutputTokens(path, value),
                "truncation" => Truncation(path, value),
                "reasoning" => Reasoning(path, value),
                "include" => Include(path, value),
                "prompt" => Prompt(path, value),
                "tracing" => Tracing(path, value),
                "parallel_tool_calls" => Boolean(path, value),
                _ => RealtimeError.UnknownParameter(path),
            };
            if (error is not null)
            {
                return error;
            }
        }

        if (!obj.ContainsKey("type"))
        {
            return RealtimeError.MissingParameter($"{Path}.type");
        }

        // The fake only speaks realtime sessions; a transcription session is a different product.
        return IsString(obj["type"], out var type) && type != "realtime"
            ? new RealtimeError("invalid_value", $"Invalid value: '{type}'. This endpoint expects a 'realtime' session.", $"{Path}.type")
            : null;
    }

    /// <summary>The optional <c>response</c> object of <c>response.create</c>.</summary>
    public static RealtimeError? ValidateResponse(JsonNode? response)
    {
        const string Path = "response";
        if (response is null)
        {
            return null;
        }

        if (response is not JsonObject obj)
        {
            return RealtimeError.InvalidType(Path, "an object", response);
        }

        if (obj.Select(p => p.Key).FirstOrDefault(key => !s_responseKeys.Contains(key)) is { } unknown)
        {
            return RealtimeError.UnknownParameter($"{Path}.{unknown}");
        }

        foreach (var (key, value) in obj)
        {
            var path = $"{Path}.{key}";
            var error = key switch
            {
                "instructions" => String(path, value),
                "tools" => Tools(path, value),
                "tool_choice" => ToolChoice(path, value),
                "output_modalities" => Modalities(path, value),
                "audio" => ResponseAudio(path, value),
                "max_output_tokens" => MaxOutputTokens(path, value),
                "conversation" => Enum(path, value, s_conversation),
                "metadata" => NullOr(value, () => Metadata(path, value)),
                "input" => Array(path, value),
                "prompt" => Prompt(path, value),
                _ => RealtimeError.UnknownParameter(path),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static RealtimeError? SessionAudio(string path, JsonNode? value)
    {
        if (value is not JsonObject audio)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        foreach (var (key, settings) in audio)
        {
            var error = key switch
            {
                "input" => AudioInput($"{path}.input", settings),
                "output" => AudioOutput($"{path}.output", settings, allowSpeed: true),
                _ => RealtimeError.UnknownParameter($"{path}.{key}"),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static RealtimeError? ResponseAudio(string path, JsonNode? value)
    {
        if (value is not JsonObject audio)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        foreach (var (key, settings) in audio)
        {
            var error = key == "output" ? AudioOutput($"{path}.output", settings, allowSpeed: false) : RealtimeError.UnknownParameter($"{path}.{key}");
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static RealtimeError? AudioInput(string path, JsonNode? value)
    {
        if (value is not JsonObject input)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        foreach (var (key, setting) in input)
        {
            var settingPath = $"{path}.{key}";
            var error = key switch
            {
                "format" => AudioFormat(settingPath, setting),
                "transcription" => NullOr(setting, () => Transcription(settingPath, setting)),
                "noise_reduction" => NullOr(setting, () => NoiseReduction(settingPath, setting)),
                "turn_detection" => NullOr(setting, () => TurnDetection(settingPath, setting)),
                _ => RealtimeError.UnknownParameter(settingPath),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static RealtimeError? AudioOutput(string path, JsonNode? value, bool allowSpeed)
    {
        if (value is not JsonObject output)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        foreach (var (key, setting) in output)
        {
            var settingPath = $"{path}.{key}";
            var error = key switch
            {
                "format" => AudioFormat(settingPath, setting),
                "voice" => Voice(settingPath, setting),
                "speed" when allowSpeed => NumberRange(settingPath, setting, 0.25, 1.5),
                _ => RealtimeError.UnknownParameter(settingPath),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static RealtimeError? AudioFormat(string path, JsonNode? value)
    {
        if (value is not JsonObject format)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        if (!format.ContainsKey("type"))
        {
            return RealtimeError.MissingParameter($"{path}.type");
        }

        var typeError = Enum($"{path}.type", format["type"], s_formats);
        if (typeError is not null)
        {
            return typeError;
        }

        var type = format["type"]!.GetValue<string>();
        foreach (var (key, setting) in format)
        {
            if (key == "type")
            {
                continue;
            }

            if (key != "rate" || type != FormatPcm)
            {
                // audio/pcmu and audio/pcma are fixed at 8 kHz and take no rate.
                return RealtimeError.UnknownParameter($"{path}.{key}");
            }

            if (!IsInteger(setting, out var rate))
            {
                return RealtimeError.InvalidType($"{path}.rate", "an integer", setting);
            }

            if (rate != PcmRate)
            {
                return RealtimeError.InvalidValue($"{path}.rate", rate.ToString(CultureInfo.InvariantCulture), ["24000"]);
            }
        }

        return null;
    }

    private static RealtimeError? Voice(string path, JsonNode? value)
    {
        if (value is JsonObject custom)
        {
            // A custom voice: {"id":"voice_…"}.
            foreach (var (key, _) in custom)
            {
                if (key != "id")
                {
                    return RealtimeError.UnknownParameter($"{path}.{key}");
                }
            }

            return custom.ContainsKey("id") ? String($"{path}.id", custom["id"]) : RealtimeError.MissingParameter($"{path}.id");
        }

        return Enum(path, value, Voices);
    }

    private static RealtimeError? Transcription(string path, JsonNode? value)
    {
        if (value is not JsonObject transcription)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        foreach (var (key, setting) in transcription)
        {
            var settingPath = $"{path}.{key}";
            var error = key switch
            {
                "model" => Enum(settingPath, setting, s_transcriptionModels),
                "language" or "prompt" => String(settingPath, setting),
                "languages" or "keywords" => StringArray(settingPath, setting),
                _ => s_transcriptionKeys.Contains(key) ? null : RealtimeError.UnknownParameter(settingPath),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static RealtimeError? NoiseReduction(string path, JsonNode? value)
    {
        if (value is not JsonObject noiseReduction)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        foreach (var (key, setting) in noiseReduction)
        {
            var error = key == "type" ? Enum($"{path}.type", setting, s_noiseReduction) : RealtimeError.UnknownParameter($"{path}.{key}");
            if (error is not null)
            {
                return error;
            }
        }

        return noiseReduction.ContainsKey("type") ? null : RealtimeError.MissingParameter($"{path}.type");
    }

    private static RealtimeError? TurnDetection(string path, JsonNode? value)
    {
        if (value is not JsonObject turnDetection)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        if (!turnDetection.ContainsKey("type"))
        {
            return RealtimeError.MissingParameter($"{path}.type");
        }

        var typeError = Enum($"{path}.type", turnDetection["type"], s_vadTypes);
        if (typeError is not null)
        {
            return typeError;
        }

        var semantic = turnDetection["type"]!.GetValue<string>() == "semantic_vad";
        var allowed = semantic ? s_semanticVadKeys : s_serverVadKeys;
        foreach (var (key, setting) in turnDetection)
        {
            var settingPath = $"{path}.{key}";
            var error = !allowed.Contains(key) ? RealtimeError.UnknownParameter(settingPath) : key switch
            {
                "threshold" => NumberRange(settingPath, setting, 0.0, 1.0),
                "prefix_padding_ms" or "silence_duration_ms" => IntegerRange(settingPath, setting, 0, null),
                "create_response" or "interrupt_response" => Boolean(settingPath, setting),
                "idle_timeout_ms" => NullOr(setting, () => IntegerRange(settingPath, setting, 5000, 30000)),
                "eagerness" => Enum(settingPath, setting, s_eagerness),
                _ => null,
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static RealtimeError? Modalities(string path, JsonNode? value)
    {
        if (value is not JsonArray array)
        {
            return RealtimeError.InvalidType(path, "an array", value);
        }

        for (var i = 0; i < array.Count; i++)
        {
            var error = Enum($"{path}[{i}]", array[i], s_modalities);
            if (error is not null)
            {
                return error;
            }
        }

        // Audio (with its transcript) or text, never both.
        return array.Count == 1
            ? null
            : new RealtimeError("invalid_value", $"Invalid '{path}': expected exactly one of 'audio' or 'text'.", path);
    }

    private static RealtimeError? Tools(string path, JsonNode? value)
    {
        if (value is not JsonArray tools)
        {
            return RealtimeError.InvalidType(path, "an array", value);
        }

        for (var i = 0; i < tools.Count; i++)
        {
            var toolPath = $"{path}[{i}]";
            if (tools[i] is not JsonObject tool)
            {
                return RealtimeError.InvalidType(toolPath, "an object", tools[i]);
            }

            if (!tool.ContainsKey("type"))
            {
                return RealtimeError.MissingParameter($"{toolPath}.type");
            }

            var typeError = Enum($"{toolPath}.type", tool["type"], ["function", "mcp"]);
            if (typeError is not null)
            {
                return typeError;
            }

            if (tool["type"]!.GetValue<string>() == "mcp")
            {
                // MCP tools have a large schema of their own; only their presence is modelled here.
                continue;
            }

            foreach (var (key, setting) in tool)
            {
                var settingPath = $"{toolPath}.{key}";
                var error = key switch
                {
                    "type" => null,
                    "name" or "description" => String(settingPath, setting),
                    "parameters" => Object(settingPath, setting),
                    _ => RealtimeError.UnknownParameter(settingPath),
                };
                if (error is not null)
                {
                    return error;
                }
            }

            if (!tool.ContainsKey("name"))
            {
                return RealtimeError.MissingParameter($"{toolPath}.name");
            }
        }

        return null;
    }

    private static RealtimeError? ToolChoice(string path, JsonNode? value)
    {
        if (Kind(value) == JsonValueKind.String)
        {
            return Enum(path, value, s_toolChoices);
        }

        if (value is not JsonObject choice)
        {
            return RealtimeError.InvalidType(path, "a string or an object", value);
        }

        foreach (var (key, setting) in choice)
        {
            var error = key switch
            {
                "type" => Enum($"{path}.type", setting, ["function", "mcp"]),
                "name" or "server_label" => String($"{path}.{key}", setting),
                _ => RealtimeError.UnknownParameter($"{path}.{key}"),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return choice.ContainsKey("type") ? null : RealtimeError.MissingParameter($"{path}.type");
    }

    private static RealtimeError? MaxOutputTokens(string path, JsonNode? value) =>
        Kind(value) == JsonValueKind.String ? Enum(path, value, ["inf"]) : IntegerRange(path, value, 1, 4096);

    private static RealtimeError? Truncation(string path, JsonNode? value)
    {
        if (Kind(value) == JsonValueKind.String)
        {
            return Enum(path, value, s_truncation);
        }

        if (value is not JsonObject truncation)
        {
            return RealtimeError.InvalidType(path, "a string or an object", value);
        }

        foreach (var (key, setting) in truncation)
        {
            var error = key switch
            {
                "type" => Enum($"{path}.type", setting, ["retention_ratio"]),
                "retention_ratio" => NumberRange($"{path}.{key}", setting, 0.0, 1.0),
                "token_limits" => Object($"{path}.{key}", setting),
                _ => RealtimeError.UnknownParameter($"{path}.{key}"),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return truncation.ContainsKey("type") ? null : RealtimeError.MissingParameter($"{path}.type");
    }

    private static RealtimeError? Reasoning(string path, JsonNode? value)
    {
        if (value is not JsonObject reasoning)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        foreach (var (key, setting) in reasoning)
        {
            var error = key == "effort" ? Enum($"{path}.effort", setting, s_effort) : RealtimeError.UnknownParameter($"{path}.{key}");
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static RealtimeError? Include(string path, JsonNode? value) => NullOr(value, () =>
    {
        if (value is not JsonArray include)
        {
            return RealtimeError.InvalidType(path, "an array", value);
        }

        for (var i = 0; i < include.Count; i++)
        {
            var error = Enum($"{path}[{i}]", include[i], s_include);
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    });

    private static RealtimeError? Prompt(string path, JsonNode? value) => NullOr(value, () =>
    {
        if (value is not JsonObject prompt)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        foreach (var (key, setting) in prompt)
        {
            var error = key switch
            {
                "id" or "version" => String($"{path}.{key}", setting),
                "variables" => Object($"{path}.{key}", setting),
                _ => RealtimeError.UnknownParameter($"{path}.{key}"),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return prompt.ContainsKey("id") ? null : RealtimeError.MissingParameter($"{path}.id");
    });

    private static RealtimeError? Tracing(string path, JsonNode? value) => NullOr(value, () =>
    {
        if (Kind(value) == JsonValueKind.String)
        {
            return Enum(path, value, ["auto"]);
        }

        if (value is not JsonObject tracing)
        {
            return RealtimeError.InvalidType(path, "a string or an object", value);
        }

        foreach (var (key, setting) in tracing)
        {
            var error = key switch
            {
                "workflow_name" or "group_id" => String($"{path}.{key}", setting),
                "metadata" => Object($"{path}.{key}", setting),
                _ => RealtimeError.UnknownParameter($"{path}.{key}"),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    });

    private static RealtimeError? NullOr(JsonNode? value, Func<RealtimeError?> validate) =>
        value is null ? null : validate();

    private static RealtimeError? String(string path, JsonNode? value) =>
        Kind(value) == JsonValueKind.String ? null : RealtimeError.InvalidType(path, "a string", value);

    /// <summary>OpenAI's metadata: at most 16 pairs, keys up to 64 characters, string values up to 512.</summary>
    private static RealtimeError? Metadata(string path, JsonNode? value)
    {
        if (value is not JsonObject pairs)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        if (pairs.Count > 16)
        {
            return RealtimeError.InvalidValue(path, $"Invalid '{path}': too many properties. Expected an object with at most 16 properties, but got {pairs.Count} instead.");
        }

        foreach (var (key, pair) in pairs)
        {
            if (key.Length > 64)
            {
                return RealtimeError.InvalidValue(path, $"Invalid '{path}': key too long. Expected keys of at most 64 characters, but got one of {key.Length}.");
            }

            if (!IsString(pair, out var text))
            {
                return RealtimeError.InvalidType($"{path}.{key}", "a string", pair);
            }

            if (text.Length > 512)
            {
                return RealtimeError.InvalidValue($"{path}.{key}", $"Invalid '{path}.{key}': string too long. Expected a string with maximum length 512, but got a string with length {text.Length} instead.");
            }
        }

        return null;
    }

    private static RealtimeError? Object(string path, JsonNode? value) =>
        value is JsonObject ? null : RealtimeError.InvalidType(path, "an object", value);

    private static RealtimeError? Array(string path, JsonNode? value) =>
        value is JsonArray ? null : RealtimeError.InvalidType(path, "an array", value);

    private static RealtimeError? Boolean(string path, JsonNode? value) =>
        Kind(value) is JsonValueKind.True or JsonValueKind.False ? null : RealtimeError.InvalidType(path, "a boolean", value);

    private static RealtimeError? StringArray(string path, JsonNode? value)
    {
        if (value is not JsonArray array)
        {
            return RealtimeError.InvalidType(path, "an array", value);
        }

        for (var i = 0; i < array.Count; i++)
        {
            var error = String($"{path}[{i}]", array[i]);
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static RealtimeError? Enum(string path, JsonNode? value, string[] allowed)
    {
        if (!IsString(value, out var text))
        {
            return RealtimeError.InvalidType(path, "a string", value);
        }

        return allowed.Contains(text, StringComparer.Ordinal) ? null : RealtimeError.InvalidValue(path, text, allowed);
    }

    private static RealtimeError? IntegerRange(string path, JsonNode? value, long minimum, long? maximum)
    {
        if (!IsInteger(value, out var number))
        {
            return RealtimeError.InvalidType(path, "an integer", value);
        }

        if (number < minimum)
        {
            return RealtimeError.BelowMinimum(path, minimum, number, isInteger: true);
        }

        return number > maximum
            ? RealtimeError.AboveMaximum(path, maximum.Value, number, isInteger: true)
            : null;
    }

    private static RealtimeError? NumberRange(string path, JsonNode? value, double minimum, double maximum)
    {
        if (!IsNumber(value, out var number))
        {
            return RealtimeError.InvalidType(path, "a number", value);
        }

        if (number < minimum)
        {
            return RealtimeError.BelowMinimum(path, minimum, number, isInteger: false);
        }

        return number > maximum
            ? RealtimeError.AboveMaximum(path, maximum, number, isInteger: false)
            : null;
    }
}
