using System.Text;
using VoiceServer.Audio;
using VoiceServer.Playback;

namespace VoiceServer.Core.Tests.Playback;

public sealed class PlaybackTrackerTests
{
    private readonly PlaybackTracker _tracker = new();

    public PlaybackTrackerTests() => _tracker.StartGeneration();

    private string TrackAudio(string responseId, string itemId, int bytes)
    {
        Span<byte> name = stackalloc byte[MarkName.MaxLength];
        Assert.True(_tracker.TryTrackAudio(responseId, itemId, 0, bytes, name, out var length));
        return Encoding.UTF8.GetString(name[..length]);
    }

    private string TrackDone(string responseId, string itemId)
    {
        Span<byte> name = stackalloc byte[MarkName.MaxLength];
        Assert.True(_tracker.TryTrackAudioDone(responseId, itemId, 0, name, out var length));
        return Encoding.UTF8.GetString(name[..length]);
    }

    private MarkOutcome Return(string mark) => _tracker.OnMarkReturned(Encoding.UTF8.GetBytes(mark));

    [Fact]
    public void BargeIn_NothingPlayingNoResponse_ReturnsNull()
    {
        Assert.Null(_tracker.TryBargeIn(serverCancelsOnSpeech: true));
    }

    [Fact]
    public void BargeIn_Pcm24Call_MillisecondsCountedAt48BytesEach()
    {
        _tracker.AudioFormat = ModelAudioFormat.Pcm24;
        _tracker.OnResponseCreated("resp_1");
        var first = TrackAudio("resp_1", "item_1", 48_000);   // 1000 ms at 24 kHz, 16-bit
        TrackAudio("resp_1", "item_1", 48_000);               // 2000 ms sent
        Assert.Equal(MarkOutcome.Played, Return(first));

        var plan = _tracker.TryBargeIn(serverCancelsOnSpeech: true)!;

        Assert.Equal(1050, Assert.Single(plan.Truncations).AudioEndMs);
    }

    [Fact]
    public void BargeIn_MarksAcked_TruncatesAtPlayedPlus50()
    {
        _tracker.OnResponseCreated("resp_1");
        var first = TrackAudio("resp_1", "item_1", 8000);   // 1000 ms
        TrackAudio("resp_1", "item_1", 8000);               // 2000 ms sent
        Assert.Equal(MarkOutcome.Played, Return(first));

        var plan = _tracker.TryBargeIn(serverCancelsOnSpeech: true);

        Assert.NotNull(plan);
        var truncation = Assert.Single(plan.Truncations);
        Assert.Equal(new Truncation("item_1", 0, 1050), truncation);
        Assert.False(plan.CancelResponse);
    }

    [Fact]
    public void BargeIn_AllPlayed_NeverAboveSent()
    {
        _tracker.OnResponseCreated("resp_1");
        var mark = TrackAudio("resp_1", "item_1", 2004); // 250.5 ms: floors to 250
        Return(mark);

        var plan = _tracker.TryBargeIn(serverCancelsOnSpeech: true)!;

        Assert.Equal(250, plan.Truncations[0].AudioEndMs);
    }

    [Fact]
    public void BargeIn_FirstItemUnacknowledged_TruncatesAtMin50()
    {
        _tracker.OnResponseCreated("resp_1");
        TrackAudio("resp_1", "item_1", 800);

        var plan = _tracker.TryBargeIn(serverCancelsOnSpeech: true)!;

        Assert.Equal(50, plan.Truncations[0].AudioEndMs);
    }

    [Fact]
    public void BargeIn_SecondItemNeverAcknowledged_TruncatedAtZero()
    {
        _tracker.OnResponseCreated("resp_1");
        var first = TrackAudio("resp_1", "item_1", 1600);
        TrackAudio("resp_2", "item_2", 1600);
        Return(first);

        var plan = _tracker.TryBargeIn(serverCancelsOnSpeech: true)!;

        Assert.Equal([new Truncation("item_1", 0, 200), new Truncation("item_2", 0, 0)], plan.Truncations);
    }

    [Fact]
    public void BargeIn_MarksEchoedAfterClear_AreStaleAndDoNotMovePlayed()
    {
        _tracker.OnResponseCreated("resp_1");
        var mark = TrackAudio("resp_1", "item_1", 8000);
        _tracker.TryBargeIn(serverCancelsOnSpeech: true);

        Assert.Equal(MarkOutcome.Stale, Return(mark));
        Assert.False(_tracker.IsPlaying);
    }

    [Fact]
    public void BargeIn_LateDeltasOfDiscardedResponse_AreDropped()
    {
        _tracker.OnResponseCreated("resp_1");
        TrackAudio("resp_1", "item_1", 800);
        _tracker.TryBargeIn(serverCancelsOnSpeech: true);

        Span<byte> name = stackalloc byte[MarkName.MaxLength];
        Assert.False(_tracker.TryTrackAudio("resp_1", "item_1", 0, 800, name, out _));

        _tracker.OnResponseDone("resp_1");
        Assert.False(_tracker.IsDiscarded("resp_1"));
    }

    [Fact]
    public void BargeIn_ServerDoesNotCancel_AsksForCancelOnlyWhileActive()
    {
        _tracker.OnResponseCreated("resp_1");
        TrackAudio("resp_1", "item_1", 800);
        Assert.True(_tracker.TryBargeIn(serverCancelsOnSpeech: false)!.CancelResponse);

        _tracker.OnResponseDone("resp_1");
        TrackAudio("resp_2", "item_2", 800);
        Assert.False(_tracker.TryBargeIn(serverCancelsOnSpeech: false)!.CancelResponse);
    }

    [Fact]
    public void DoneMark_BoundToItsItem_FinishesPlayback()
    {
        _tracker.OnResponseCreated("resp_1");
        var audio = TrackAudio("resp_1", "item_1", 800);
        var done = TrackDone("resp_1", "item_1");
        Span<byte> name = stackalloc byte[MarkName.MaxLength];
        Assert.False(_tracker.TryTrackAudioDone("resp_1", "item_1", 0, name, out _));
        Assert.False(_tracker.TryTrackAudioDone("resp_1", "item_other", 0, name, out _));

        Assert.Equal(MarkOutcome.Played, Return(audio));
        Assert.Equal(MarkOutcome.PlaybackFinished, Return(done));
        Assert.False(_tracker.IsPlaying);
    }

    [Fact]
    public void MarkReturned_NeverSent_IsUnknown()
    {
        Assert.Equal(MarkOutcome.Unknown, Return("a:g1:m999"));
        Assert.Equal(MarkOutcome.Unknown, Return("not-ours"));
    }

    [Theory]
    [InlineData(MarkKind.Audio, 3, 17, "a:g3:m17")]
    [InlineData(MarkKind.Done, 12, 123456789012, "d:g12:m123456789012")]
    public void MarkName_FormatAndParse_RoundTrip(MarkKind kind, long generation, long sequence, string expected)
    {
        Span<byte> buffer = stackalloc byte[MarkName.MaxLength];
        var length = MarkName.Format(buffer, kind, generation, sequence);
        Assert.Equal(expected, Encoding.UTF8.GetString(buffer[..length]));

        Assert.True(MarkName.TryParse(buffer[..length], out var parsedKind, out var parsedGeneration, out var parsedSequence));
        Assert.Equal((kind, generation, sequence), (parsedKind, parsedGeneration, parsedSequence));
    }
}
