namespace VoiceServer.RealtimeEmulator.Audio;

/// <summary>A change detected by <see cref="EnergyVad"/>. Positions are milliseconds since the first byte fed.</summary>
/// <param name="Transition">What happened.</param>
/// <param name="AudioMs">
/// Started: where the turn's audio begins, prefix padding included (<c>audio_start_ms</c>).
/// Stopped: where the silence that ended the turn is complete (<c>audio_end_ms</c>, silence included).
/// </param>
/// <param name="SpeechMs">Started: the first voiced frame. Stopped: the end of the last voiced frame.</param>
internal readonly record struct VadEvent(VadTransition Transition, long AudioMs, long SpeechMs);
