using VoiceServer.Calls;

namespace VoiceServer.OpenAI;

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
