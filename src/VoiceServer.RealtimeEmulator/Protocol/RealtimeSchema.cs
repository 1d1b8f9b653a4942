using System.Collections.Frozen;
using System.Text.Json;
using static VoiceServer.RealtimeEmulator.Protocol.JsonChecks;

namespace VoiceServer.RealtimeEmulator.Protocol;

/// <summary>
/// The GA Realtime schema for what clients send: <c>session.update</c>'s session and <c>response.create</c>'s
/// response. Anything outside it (beta names such as <c>temperature</c>, <c>modalities</c>, top-level
/// <c>voice</c>, <c>input_audio_format</c>) is refused, and nothing is applied, as the real API does.
/// </summary>
internal static class RealtimeSchema
{
    public const string FormatPcm = "audio/pcm";
    public const string FormatPcmu = "audio/pcmu";
    public const string FormatPcma = "audio/pcma";

    /// <summary>The only rate <c>audio/pcm</c> takes.</summary>
    public const int PcmRate = 24000;

    public static readonly string[] Voices =
        ["alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"];

    private static readonly FrozenSet<string> s_sessionKeys = FrozenSet.Create(
        StringComparer.Ordinal,
        "type", "model", "output_modalities", "instructions", "audio", "include", "tracing", "tools", "tool_choice",
        "max_output_tokens", "truncation", "prompt", "reasoning", "parallel_tool_calls");

    private static readonly FrozenSet<string> s_audioKeys = FrozenSet.Create(StringComparer.Ordinal, "input", "output");

    private static readonly FrozenSet<string> s_audioInputKeys = FrozenSet.Create(
        StringComparer.Ordinal, "format", "transcription", "noise_reduction", "turn_detection");

    private static readonly FrozenSet<string> s_audioOutputKeys = FrozenSet.Create(StringComparer.Ordinal, "format", "voice", "speed");

    private static readonly FrozenSet<string> s_formatKeys = FrozenSet.Create(StringComparer.Ordinal, "type", "rate");

    private static readonly FrozenSet<string> s_transcriptionKeys = FrozenSet.Create(
        StringComparer.Ordinal, "model", "language", "prompt", "languages", "keywords");

    private static readonly FrozenSet<string> s_typeOnlyKeys = FrozenSet.Create(StringComparer.Ordinal, "type");

    private static readonly FrozenSet<string> s_serverVadKeys = FrozenSet.Create(
        StringComparer.Ordinal,
        "type", "threshold", "prefix_padding_ms", "silence_duration_ms", "create_response", "interrupt_response",
        "idle_timeout_ms");

    private static readonly FrozenSet<string> s_semanticVadKeys = FrozenSet.Create(
        StringComparer.Ordinal, "type", "eagerness", "create_response", "interrupt_response");

    private static readonly FrozenSet<string> s_voiceObjectKeys = FrozenSet.Create(StringComparer.Ordinal, "id");

    private static readonly FrozenSet<string> s_functionToolKeys = FrozenSet.Create(
        StringComparer.Ordinal, "type", "name", "description", "parameters");

    private static readonly FrozenSet<string> s_tracingKeys = FrozenSet.Create(
        StringComparer.Ordinal, "workflow_name", "group_id", "metadata");

    private static readonly FrozenSet<string> s_promptKeys = FrozenSet.Create(StringComparer.Ordinal, "id", "version", "variables");

    private static readonly FrozenSet<string> s_reasoningKeys = FrozenSet.Create(StringComparer.Ordinal, "effort");

    private static readonly FrozenSet<string> s_responseKeys = FrozenSet.Create(
        StringComparer.Ordinal,
        "instructions", "tools", "tool_choice", "output_modalities", "audio", "max_output_tokens", "conversation",
        "metadata", "input", "prompt");

    private static readonly FrozenSet<string> s_responseAudioKeys = FrozenSet.Create(StringComparer.Ordinal, "output");

    private static readonly FrozenSet<string> s_responseAudioOutputKeys = FrozenSet.Create(StringComparer.Ordinal, "format", "voice");

    private static readonly Rule s_outputModalities = OutputModalities;
    private static readonly Rule s_format = Format;
    private static readonly Rule s_voice = Voice;
    private static readonly Rule s_tools = ArrayOf(Tool);
    private static readonly Rule s_toolChoice = ToolChoice;
    private static readonly Rule s_maxOutputTokens = MaxOutputTokens;
    private static readonly Rule s_string = String;
    private static readonly Rule s_prompt = Nullable((value, path) => Object(value, path, s_promptKeys));

    /// <summary>Validates the <c>session</c> of a <c>session.update</c>.</summary>
    public static RealtimeError? ValidateSessionUpdate(JsonElement session, string path = "session")
    {
        // Unknown keys first: that is the error beta-shaped updates get, whatever else is wrong with them.
        return Object(session, path, s_sessionKeys)
            ?? Required(session, path, "type", Enum("realtime"))
            ?? Optional(session, path, "model", s_string)
            ?? Optional(session, path, "output_modalities", s_outputModalities)
            ?? Optional(session, path, "instructions", s_string)
            ?? Optional(session, path, "audio", Audio)
            ?? Optional(session, path, "include", Nullable(ArrayOf(Enum("item.input_audio_transcription.logprobs"))))
            ?? Optional(session, path, "tracing", Nullable(Tracing))
            ?? Optional(session, path, "tools", s_tools)
            ?? Optional(session, path, "tool_choice", s_toolChoice)
            ?? Optional(session, path, "max_output_tokens", s_maxOutputTokens)
            ?? Optional(session, path, "truncation", Truncation)
            ?? Optional(session, path, "prompt", s_prompt)
            ?? Optional(session, path, "reasoning", (v, p) => Object(v, p, s_reasoningKeys)
                ?? Optional(v, p, "effort", Enum("minimal", "low", "medium", "high", "xhigh")))
            ?? Optional(session, path, "parallel_tool_calls", Boolean);
    }

    /// <summary>Validates the optional <c>response</c> of a <c>response.create</c>.</summary>
    public static RealtimeError? ValidateResponseCreate(JsonElement response, string path = "response")
    {
        return Object(response, path, s_responseKeys)
            ?? Optional(response, path, "instructions", s_string)
            ?? Optional(response, path, "tools", s_tools)
            ?? Optional(response, path, "tool_choice", s_toolChoice)
            ?? Optional(response, path, "output_modalities", s_outputModalities)
            ?? Optional(response, path, "audio", (v, p) => Object(v, p, s_responseAudioKeys)
                ?? Optional(v, p, "output", (o, op) => Object(o, op, s_responseAudioOutputKeys)
                    ?? Optional(o, op, "format", s_format)
                    ?? Optional(o, op, "voice", s_voice)))
            ?? Optional(response, path, "max_output_tokens", s_maxOutputTokens)
            ?? Optional(response, path, "conversation", s_string)
            ?? Optional(response, path, "metadata", Nullable(AnyObject))
            ?? Optional(response, path, "input", ArrayOf(AnyObject))
            ?? Optional(response, path, "prompt", s_prompt);
    }

    private static RealtimeError? OutputModalities(JsonElement value, string path)
    {
        if (ArrayOf(Enum("audio", "text"))(value, path) is { } error)
        {
            return error;
        }

        return value.GetArrayLength() == 1
            ? null
            : RealtimeError.InvalidValue(path, "Invalid 'output_modalities': expected exactly one of 'audio' or 'text'.");
    }

    private static RealtimeError? Audio(JsonElement value, string path) =>
        Object(value, path, s_audioKeys)
            ?? Optional(value, path, "input", AudioInput)
            ?? Optional(value, path, "output", AudioOutput);

    private static RealtimeError? AudioInput(JsonElement value, string path) =>
        Object(value, path, s_audioInputKeys)
            ?? Optional(value, path, "format", s_format)
            ?? Optional(value, path, "transcription", Nullable((v, p) => Object(v, p, s_transcriptionKeys)
                ?? Optional(v, p, "model", s_string)
                ?? Optional(v, p, "language", s_string)
                ?? Optional(v, p, "prompt", s_string)
                ?? Optional(v, p, "languages", ArrayOf(s_string))
                ?? Optional(v, p, "keywords", ArrayOf(s_string))))
            ?? Optional(value, path, "noise_reduction", Nullable((v, p) => Object(v, p, s_typeOnlyKeys)
                ?? Required(v, p, "type", Enum("near_field", "far_field"))))
            ?? Optional(value, path, "turn_detection", Nullable(TurnDetection));

    private static RealtimeError? AudioOutput(JsonElement value, string path) =>
        Object(value, path, s_audioOutputKeys)
            ?? Optional(value, path, "format", s_format)
            ?? Optional(value, path, "voice", s_voice)
            ?? Optional(value, path, "speed", Number(0.25, 1.5));

    private static RealtimeError? Format(JsonElement value, string path)
    {
        // A bare string ("g711_ulaw", "audio/pcmu") is the classic beta mistake: the object check reports it.
        var error = Object(value, path, s_formatKeys)
            ?? Required(value, path, "type", Enum(FormatPcm, FormatPcmu, FormatPcma));
        if (error is not null)
        {
            return error;
        }

        if (!value.TryGetProperty("rate", out _))
        {
            return null;
        }

        return value.GetProperty("type").GetString() == FormatPcm
            ? Optional(value, path, "rate", Integer(PcmRate, PcmRate))
            : RealtimeError.UnknownParameter(Join(path, "rate"));
    }

    private static RealtimeError? TurnDetection(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        var typeError = Required(value, path, "type", Enum("server_vad", "semantic_vad"));
        if (typeError is not null)
        {
            return typeError;
        }

        if (value.GetProperty("type").GetString() == "semantic_vad")
        {
            return Object(value, path, s_semanticVadKeys)
                ?? Optional(value, path, "eagerness", Enum("low", "medium", "high", "auto"))
                ?? Optional(value, path, "create_response", Boolean)
                ?? Optional(value, path, "interrupt_response", Boolean);
        }

        return Object(value, path, s_serverVadKeys)
            ?? Optional(value, path, "threshold", Number(0, 1))
            ?? Optional(value, path, "prefix_padding_ms", Integer(0, int.MaxValue))
            ?? Optional(value, path, "silence_duration_ms", Integer(0, int.MaxValue))
            ?? Optional(value, path, "create_response", Boolean)
            ?? Optional(value, path, "interrupt_response", Boolean)
            ?? Optional(value, path, "idle_timeout_ms", Nullable(Integer(5000, 30000)));
    }

    private static RealtimeError? Voice(JsonElement value, string path) => value.ValueKind == JsonValueKind.Object
        ? Object(value, path, s_voiceObjectKeys) ?? Required(value, path, "id", s_string)
        : Enum(Voices)(value, path);

    private static RealtimeError? Tool(JsonElement value, string path)
    {
        var error = AnyObject(value, path) ?? Required(value, path, "type", Enum("function", "mcp"));
        if (error is not null || value.GetProperty("type").GetString() != "function")
        {
            // MCP tools have a large schema of their own; the emulator never calls tools, so it takes them as they are.
            return error;
        }

        return Object(value, path, s_functionToolKeys)
            ?? Required(value, path, "name", s_string)
            ?? Optional(value, path, "description", s_string)
            ?? Optional(value, path, "parameters", AnyObject);
    }

    private static RealtimeError? ToolChoice(JsonElement value, string path) => value.ValueKind == JsonValueKind.Object
        ? Required(value, path, "type", s_string)
        : Enum("auto", "none", "required")(value, path);

    private static RealtimeError? MaxOutputTokens(JsonElement value, string path) => value.ValueKind == JsonValueKind.String
        ? Enum("inf")(value, path)
        : Integer(1, 4096)(value, path);

    private static RealtimeError? Truncation(JsonElement value, string path) => value.ValueKind == JsonValueKind.Object
        ? Required(value, path, "type", Enum("retention_ratio"))
        : Enum("auto", "disabled")(value, path);

    private static RealtimeError? Tracing(JsonElement value, string path) => value.ValueKind == JsonValueKind.String
        ? Enum("auto")(value, path)
        : Object(value, path, s_tracingKeys);
}
