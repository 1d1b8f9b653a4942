namespace VoiceServer.Calls;

/// <summary>Turn detection for the session: server VAD with its three knobs, or semantic VAD with its eagerness.</summary>
public sealed record TurnDetectionSettings(
    string Type = TurnDetectionSettings.ServerVad,
    double? Threshold = null,
    int? SilenceMs = null,
    int? PrefixPaddingMs = null,
    string? Eagerness = null)
{
    public const string ServerVad = "server_vad";
    public const string SemanticVad = "semantic_vad";

    public static TurnDetectionSettings Default { get; } = new();
}
