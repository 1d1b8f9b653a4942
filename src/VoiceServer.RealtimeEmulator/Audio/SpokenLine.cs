using VoiceServer.Audio;

namespace VoiceServer.RealtimeEmulator.Audio;

/// <summary>
/// What the emulator "says" for a scripted line, as 8 kHz μ-law: it has no speech synthesis, so each word becomes a
/// voiced burst (a low fundamental with two harmonics, as long as the word), with short gaps between words that no
/// VAD takes for the end of a turn. Loud enough for any listening VAD (the voice server's model or another
/// emulator) to hear speech, and the same text always gives the same audio.
/// </summary>
internal static class SpokenLine
{
    /// <summary>Roughly the pace of speech: about 15 characters a second.</summary>
    public const int MillisecondsPerCharacter = 65;

    public const int MinWordMs = 160;

    /// <summary>The pause between words: far below any silence_duration_ms a session uses.</summary>
    public const int WordGapMs = 60;

    // About −10 dBFS at the peak, like the chime.
    private const double PeakAmplitude = 0.3 * 32767;

    private const double FadeSeconds = 0.015;

    // Fundamentals in a speaking voice's range; each word takes one, so the line has a contour.
    private static readonly double[] s_fundamentalsHz = [140, 165, 185, 155, 175];

    public static byte[] Synthesize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            words = ["…"];
        }

        var pcm = new List<short>();
        for (var w = 0; w < words.Length; w++)
        {
            var wordMs = Math.Max(MinWordMs, words[w].Length * MillisecondsPerCharacter);
            var samples = wordMs * MuLaw.SampleRate / 1000;
            var fundamental = s_fundamentalsHz[w % s_fundamentalsHz.Length];
            for (var i = 0; i < samples; i++)
            {
                var t = i / (double)MuLaw.SampleRate;
                var remaining = (samples - i) / (double)MuLaw.SampleRate;
                var envelope = Math.Min(1, t / FadeSeconds) * Math.Min(1, remaining / FadeSeconds);
                var phase = 2 * Math.PI * fundamental * t;
                var value = (Math.Sin(phase) + (0.5 * Math.Sin(2 * phase)) + (0.25 * Math.Sin(3 * phase))) / 1.75;
                pcm.Add((short)Math.Round(PeakAmplitude * envelope * value));
            }

            if (w < words.Length - 1)
            {
                pcm.AddRange(new short[WordGapMs * MuLaw.SampleRate / 1000]);
            }
        }

        var mulaw = new byte[pcm.Count];
        MuLaw.Encode(pcm.ToArray(), mulaw);
        return mulaw;
    }
}
