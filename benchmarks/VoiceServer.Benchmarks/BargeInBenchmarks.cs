using BenchmarkDotNet.Attributes;
using VoiceServer.Playback;

namespace VoiceServer.Benchmarks;

/// <summary>Barge-in bookkeeping: a mark coming back in steady state, and a whole barge-in from a fresh tracker.</summary>
[MemoryDiagnoser]
public class BargeInBenchmarks
{
    private readonly byte[] _markName = new byte[MarkName.MaxLength];
    private readonly PlaybackTracker _tracker = new();

    public BargeInBenchmarks()
    {
        _tracker.StartGeneration();
    }

    /// <summary>One relayed delta's mark sent and returned, on a tracker in use (the per-frame part).</summary>
    [Benchmark]
    public int MarkSentAndReturned()
    {
        _tracker.TryTrackAudio("resp_1", "item_1", 0, 800, _markName, out var length);
        return (int)_tracker.OnMarkReturned(_markName.AsSpan(0, length));
    }

    /// <summary>Ten deltas tracked, five acknowledged, then the barge-in plan (tracker construction included: a rare event).</summary>
    [Benchmark]
    public int TrackTenDeltasAcknowledgeHalfBargeIn()
    {
        var tracker = new PlaybackTracker();
        tracker.StartGeneration();
        tracker.OnResponseCreated("resp_1");
        Span<int> lengths = stackalloc int[10];
        Span<byte> names = stackalloc byte[10 * MarkName.MaxLength];
        for (var i = 0; i < 10; i++)
        {
            tracker.TryTrackAudio("resp_1", "item_1", 0, 800, names.Slice(i * MarkName.MaxLength, MarkName.MaxLength), out lengths[i]);
        }

        for (var i = 0; i < 5; i++)
        {
            tracker.OnMarkReturned(names.Slice(i * MarkName.MaxLength, lengths[i]));
        }

        return tracker.TryBargeIn(serverCancelsOnSpeech: true)?.Truncations[0].AudioEndMs ?? -1;
    }

}
