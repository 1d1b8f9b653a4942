namespace VoiceServer.Legs;

/// <summary>
/// The effective session the model confirmed, reduced by the adapter to what the call checks: both directions
/// G.711 μ-law at 8 kHz (the formats are kept as text for the log).
/// </summary>
public sealed record ModelSessionState(
    bool InputIsMuLaw,
    bool OutputIsMuLaw,
    string? InputFormat,
    string? OutputFormat,
    string? Voice,
    bool? InterruptResponse);
