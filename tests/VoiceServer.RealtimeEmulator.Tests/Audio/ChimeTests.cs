using VoiceServer.Audio;
using VoiceServer.RealtimeEmulator.Audio;

namespace VoiceServer.RealtimeEmulator.Tests.Audio;

public sealed class ChimeTests
{
    [Fact]
    public void Audio_IsOneSecondOfMuLaw()
    {
        Assert.Equal(Chime.DurationMs * MuLaw.BytesPerMillisecond, Chime.Audio.Length);
    }

    [Fact]
    public void Audio_TwoNotes_EachDominantInItsHalf()
    {
        var pcm = Chime.Audio.ToArray().Select(MuLaw.Decode).ToArray();
        var split = Chime.SecondToneStartMs * MuLaw.BytesPerMillisecond;
        var first = pcm.AsSpan(0, split);
        var second = pcm.AsSpan(split);

        Assert.True(Power(first, Chime.FirstToneHz) > 10 * Power(first, Chime.SecondToneHz));
        Assert.True(Power(second, Chime.SecondToneHz) > 10 * Power(second, Chime.FirstToneHz));
    }

    [Fact]
    public void Audio_AudibleButNotClipped_AndEndsQuietly()
    {
        var pcm = Chime.Audio.ToArray().Select(b => (int)MuLaw.Decode(b)).ToArray();

        Assert.InRange(pcm.Max(Math.Abs), 5000, 16000);
        Assert.True(Math.Abs(pcm[^1]) < 200);
    }

    [Fact]
    public void Audio_TriggersTheVad_LikeSpeech()
    {
        var vad = new EnergyVad(VadSettings.Default);
        var events = new List<VadEvent>();

        vad.Process(Chime.Audio.Span, events);

        Assert.Contains(events, e => e.Transition == VadTransition.SpeechStarted);
    }

    // Goertzel: the power of one frequency, without a full FFT.
    private static double Power(ReadOnlySpan<short> samples, double frequency)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * frequency / MuLaw.SampleRate);
        double previous = 0, beforePrevious = 0;
        foreach (var sample in samples)
        {
            var current = sample + (coefficient * previous) - beforePrevious;
            beforePrevious = previous;
            previous = current;
        }

        return (previous * previous) + (beforePrevious * beforePrevious) - (coefficient * previous * beforePrevious);
    }
}
