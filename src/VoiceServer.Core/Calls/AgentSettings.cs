using System.Text.Json;

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

/// <summary>
/// A tool the agent may call: a webhook (the arguments are POSTed to <see cref="Url"/>, its JSON answer is the
/// output) or one of the built-ins (<c>end_call</c>, <c>transfer_call</c>), which have no URL.
/// </summary>
public sealed record ToolDefinition(string Name, string Description, JsonElement Parameters, Uri? Url)
{
    public const string EndCall = "end_call";
    public const string TransferCall = "transfer_call";

    public bool IsBuiltIn => Url is null;
}

/// <summary>How caller key presses reach the model.</summary>
public enum DtmfMode
{
    /// <summary>Each key as soon as it is pressed.</summary>
    Each,

    /// <summary>Keys gathered until <c>#</c> or a short pause, then sent as one entry (PINs, account numbers).</summary>
    Collect,
}
