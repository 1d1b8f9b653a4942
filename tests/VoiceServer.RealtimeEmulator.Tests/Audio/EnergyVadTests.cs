using VoiceServer.Audio;
using VoiceServer.RealtimeEmulator.Audio;

namespace VoiceServer.RealtimeEmulator.Tests.Audio;

public sealed class EnergyVadTests
{
    private static readonly byte[] s_oneSecondSilence = Enumerable.Repeat(MuLaw.Silence, 8000).ToArray();

    [Fact]
    public void ThresholdToRms_Default_IsMinus40Dbfs()
    {
        Assert.Equal(327.68, EnergyVad.ThresholdToRms(0.5), precision: 2);
        Assert.True(EnergyVad.ThresholdToRms(0.9) > EnergyVad.ThresholdToRms(0.5));
    }

    [Fact]
    public void Process_BookingThenSilence_OneTurnCoveringTheSentence()
    {
        var booking = AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking);

        var events = Run(VadSettings.Default, booking, s_oneSecondSilence);

        Assert.Collection(
            events,
            started =>
            {
                Assert.Equal(VadTransition.SpeechStarted, started.Transition);
                Assert.InRange(started.SpeechMs, 0, 200);
            },
            stopped =>
            {
                Assert.Equal(VadTransition.SpeechStopped, stopped.Transition);

                // The sentence ends shortly before the end of the ~5.3 s file.
                Assert.InRange(stopped.SpeechMs, 4800, booking.Length / 8);
                Assert.Equal(stopped.SpeechMs + 500, stopped.AudioMs, tolerance: EnergyVad.FrameMs);
            });
    }

    [Fact]
    public void Process_InterruptFixture_DetectsSpeech()
    {
        var events = Run(VadSettings.Default, AudioFixtures.LoadMulaw(AudioFixtures.CallerInterrupt), s_oneSecondSilence);

        Assert.Equal(VadTransition.SpeechStarted, events[0].Transition);
        Assert.Equal(VadTransition.SpeechStopped, events[^1].Transition);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Process_SilenceFixture_NeverTriggers(double threshold)
    {
        var vad = new EnergyVad(VadSettings.Default with { Threshold = threshold });
        var events = new List<VadEvent>();

        vad.Process(AudioFixtures.LoadMulaw(AudioFixtures.Silence2Seconds), events);

        Assert.Empty(events);
        Assert.False(vad.InSpeech);
        Assert.Equal(2000, vad.PositionMs);
    }

    [Fact]
    public void Process_PrefixPadding_MovesAudioStartBack()
    {
        var booking = AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking);

        var started = Run(VadSettings.Default with { PrefixPaddingMs = 300 }, s_oneSecondSilence, booking)[0];

        Assert.InRange(started.SpeechMs, 1000, 1200);
        Assert.Equal(started.SpeechMs - 300, started.AudioMs);
    }

    [Fact]
    public void Process_PrefixPaddingBeforeTheStart_ClampsToZero()
    {
        var started = Run(VadSettings.Default with { PrefixPaddingMs = 5000 }, AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking))[0];

        Assert.Equal(0, started.AudioMs);
    }

    [Fact]
    public void Process_ShortSilenceDuration_SplitsTheSentenceAtPauses()
    {
        var booking = AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking);

        var events = Run(VadSettings.Default with { SilenceDurationMs = 100 }, booking, s_oneSecondSilence);

        Assert.True(events.Count(e => e.Transition == VadTransition.SpeechStopped) > 1);
        Assert.Equal(VadTransition.SpeechStopped, events[^1].Transition);
    }

    [Fact]
    public void Process_QuietSpeech_NeedsALowerThreshold()
    {
        // The booking sentence 40 dB down: below the default level, above the most sensitive one.
        var quiet = Attenuate(AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking), 0.01);

        Assert.Empty(Run(VadSettings.Default, quiet, s_oneSecondSilence));
        Assert.NotEmpty(Run(VadSettings.Default with { Threshold = 0.0 }, quiet, s_oneSecondSilence));
    }

    [Fact]
    public void Process_ByteAtATime_SameEventsAsWholeFrames()
    {
        var booking = AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking);
        var vad = new EnergyVad(VadSettings.Default);
        var events = new List<VadEvent>();

        foreach (var value in booking.Concat(s_oneSecondSilence))
        {
            vad.Process([value], events);
        }

        Assert.Equal(Run(VadSettings.Default, booking, s_oneSecondSilence), events);
    }

    [Fact]
    public void Reset_MidTurn_ForgetsTheTurnButKeepsTheClock()
    {
        var booking = AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking);
        var vad = new EnergyVad(VadSettings.Default);
        var events = new List<VadEvent>();
        vad.Process(booking.AsSpan(0, 8000), events);
        Assert.True(vad.InSpeech);

        vad.Reset();
        vad.Process(s_oneSecondSilence, events);

        Assert.False(vad.InSpeech);
        Assert.Single(events);
        Assert.Equal(2000, vad.PositionMs);
    }

    private static List<VadEvent> Run(VadSettings settings, params byte[][] parts)
    {
        var vad = new EnergyVad(settings);
        var events = new List<VadEvent>();
        foreach (var part in parts)
        {
            // Twilio-sized 20 ms frames, as voice-server forwards them.
            for (var offset = 0; offset < part.Length; offset += EnergyVad.FrameBytes)
            {
                vad.Process(part.AsSpan(offset, Math.Min(EnergyVad.FrameBytes, part.Length - offset)), events);
            }
        }

        return events;
    }

    private static byte[] Attenuate(byte[] mulaw, double gain) =>
        mulaw.Select(b => MuLaw.Encode((short)Math.Round(MuLaw.Decode(b) * gain))).ToArray();
}
