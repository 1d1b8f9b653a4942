using VoiceServer.Audio;

namespace VoiceServer.Legs;

/// <summary>
/// The effective session the model confirmed, reduced by the adapter to what the call checks: which of the
/// <see cref="ModelAudioFormat"/>s each direction carries (the formats are kept as text for the log).
/// </summary>
public sealed record ModelSessionState(
    bool InputIsMuLaw,
    bool OutputIsMuLaw,
    string? InputFormat,
    string? OutputFormat,
    string? Voice,
    bool? InterruptResponse,
    bool InputIsPcm24 = false,
    bool OutputIsPcm24 = false)
{
    public bool CarriesBothWays(ModelAudioFormat format) => format switch
    {
        ModelAudioFormat.Pcm24 => InputIsPcm24 && OutputIsPcm24,
        _ => InputIsMuLaw && OutputIsMuLaw,
    };
}
