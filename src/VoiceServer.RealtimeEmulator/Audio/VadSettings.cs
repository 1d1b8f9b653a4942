namespace VoiceServer.RealtimeEmulator.Audio;

/// <summary>The <c>server_vad</c> parameters the energy VAD honours.</summary>
/// <param name="Threshold">0.0–1.0, as in <c>turn_detection.threshold</c>; higher needs louder speech.</param>
/// <param name="PrefixPaddingMs">Audio kept before the detected start of speech.</param>
/// <param name="SilenceDurationMs">Silence that ends a turn.</param>
internal readonly record struct VadSettings(double Threshold, int PrefixPaddingMs, int SilenceDurationMs)
{
    public static VadSettings Default { get; } = new(0.5, 300, 500);
}
