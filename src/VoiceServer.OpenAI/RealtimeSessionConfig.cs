namespace VoiceServer.OpenAI;

internal sealed class RealtimeSessionConfig
{
    public string Type { get; } = "realtime";

    public IReadOnlyList<string> OutputModalities { get; } = ["audio"];

    public string? Instructions { get; init; }

    public required RealtimeAudioConfig Audio { get; init; }

    public IReadOnlyList<RealtimeFunctionTool>? Tools { get; init; }

    public string? ToolChoice { get; init; }
}
