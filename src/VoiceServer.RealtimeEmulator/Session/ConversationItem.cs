using System.Text.Json.Nodes;

namespace VoiceServer.RealtimeEmulator.Session;

/// <summary>One item of the emulated conversation.</summary>
internal sealed class ConversationItem
{
    public required string Id { get; init; }

    /// <summary><c>message</c>, <c>function_call</c> or <c>function_call_output</c>.</summary>
    public required string Type { get; init; }

    public string? Role { get; init; }

    public string? CallId { get; init; }

    /// <summary>An assistant message with <c>output_audio</c>: the only kind that can be truncated.</summary>
    public bool HasOutputAudio { get; init; }

    /// <summary>Output audio generated for this item so far, after any truncation (μ-law bytes).</summary>
    public int OutputAudioBytes { get; set; }

    /// <summary>Committed caller audio (μ-law bytes), for usage figures.</summary>
    public int InputAudioBytes { get; init; }

    /// <summary>The item as last reported, for <c>conversation.item.retrieve</c>.</summary>
    public required JsonObject Json { get; set; }
}
