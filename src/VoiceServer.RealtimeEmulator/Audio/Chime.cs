using VoiceServer.Audio;

namespace VoiceServer.RealtimeEmulator.Audio;

/// <summary>
/// A short two-note chime (E5 then C5, "ding-dong", about 1 s) as 8 kHz μ-law. The emulator has no speech
/// synthesis: this is what it "says" when asked for a response with nothing to echo, e.g. a greeting.
/// </summary>
internal static class Chime
{
    public const int DurationMs = 1000;
    public const double FirstToneHz = 659.25;
    public const double SecondToneHz = 523.25;

    /// <summary>Where the second note starts.</summary>
    public const int SecondToneStartMs = 450;

    // About −10 dBFS at the peak: clearly audible on a phone, far from clipping.
    private const double PeakAmplitude = 0.3 * 32767;

    // Bell-like: a 10 ms attack, an exponential decay, and a 20 ms fade so the last sample is not a click.
    private const double AttackSeconds = 0.010;
    private const double DecaySeconds = 0.18;
    private const double FadeOutSeconds = 0.020;

    private static readonly byte[] s_audio = Synthesize();

    /// <summary>The chime as μ-law bytes (<see cref="DurationMs"/> × 8 bytes). Shared; do not modify.</summary>
    public static ReadOnlyMemory<byte> Audio => s_audio;

    private static byte[] Synthesize()
    {
        var total = DurationMs * MuLaw.BytesPerMillisecond;
        var secondStart = SecondToneStartMs * MuLaw.BytesPerMillisecond;
        var pcm = new short[total];
        for (var i = 0; i < total; i++)
        {
            var inSecond = i >= secondStart;
            var noteStart = inSecond ? secondStart : 0;
            var noteEnd = inSecond ? total : secondStart;
            var frequency = inSecond ? SecondToneHz : FirstToneHz;

            var t = (i - noteStart) / (double)MuLaw.SampleRate;
            var remaining = (noteEnd - i) / (double)MuLaw.SampleRate;
            var envelope = Math.Min(1, t / AttackSeconds) * Math.Exp(-t / DecaySeconds) * Math.Min(1, remaining / FadeOutSeconds);

            // A little second harmonic makes it sound like a bell rather than a test tone.
            var phase = 2 * Math.PI * frequency * t;
            var value = (Math.Sin(phase) + (0.2 * Math.Sin(2 * phase))) / 1.2;
            pcm[i] = (short)Math.Round(PeakAmplitude * envelope * value);
        }

        var mulaw = new byte[total];
        MuLaw.Encode(pcm, mulaw);
        return mulaw;
    }
}
