using VoiceServer.Audio;
using VoiceServer.RealtimeEmulator.Audio;

namespace VoiceServer.RealtimeEmulator.Tests.Audio;

public sealed class SpokenLineTests
{
    [Fact]
    public void Synthesize_SameText_SameAudio_LongerTextLonger()
    {
        var hello = SpokenLine.Synthesize("Hello, I would like a table.");

        Assert.Equal(hello, SpokenLine.Synthesize("Hello, I would like a table."));
        Assert.True(SpokenLine.Synthesize("Hello, I would like a table for two at eight tonight.").Length > hello.Length);
        // About 65 ms a character: a line of 28 characters lasts between one and three seconds.
        Assert.InRange(hello.Length / MuLaw.BytesPerMillisecond, 1000, 3000);
    }

    [Fact]
    public void Synthesize_OneLine_IsOneTurnForTheVad()
    {
        var vad = new EnergyVad(VadSettings.Default);
        var events = new List<VadEvent>();
        var silence = Enumerable.Repeat(MuLaw.Silence, 1000 * MuLaw.BytesPerMillisecond).ToArray();

        vad.Process(SpokenLine.Synthesize("Could I book a table for two people, please?"), events);
        vad.Process(silence, events);

        // The gaps between words never end the turn; the silence after the line does.
        Assert.Equal([VadTransition.SpeechStarted, VadTransition.SpeechStopped], events.Select(e => e.Transition));
    }
}
