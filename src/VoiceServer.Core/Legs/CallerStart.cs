using VoiceServer.Audio;

namespace VoiceServer.Legs;

/// <summary>
/// The facts of the caller's <c>start</c> that the call needs. <paramref name="ConvertedAudio"/> is the model audio
/// format a leg converts its media to and from (Vonage's L16 16 kHz ↔ 24 kHz PCM); null when the leg passes its media
/// through unchanged, which only μ-law 8 kHz allows.
/// </summary>
public sealed record CallerStart(
    string StreamSid,
    string? CallSid,
    string? AccountSid,
    string? Encoding,
    int? SampleRate,
    int? Channels,
    IReadOnlyDictionary<string, string> CustomParameters,
    ModelAudioFormat? ConvertedAudio = null);
