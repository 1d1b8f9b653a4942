using System.Text;
using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class PendingAudioTests
{
    [Fact]
    public void Flush_HandsFramesOverInArrivalOrder_ThenEmpties()
    {
        var pending = new PendingAudio(maxBytes: 1_000);
        foreach (var frame in new[] { "AAAA", "BBB=", "CC==" })
        {
            Assert.True(pending.TryAdd(Encoding.ASCII.GetBytes(frame)));
        }

        var flushed = new List<string>();
        Assert.True(pending.Flush(flushed, static (list, frame) =>
        {
            list.Add(Encoding.ASCII.GetString(frame));
            return true;
        }));

        Assert.Equal(["AAAA", "BBB=", "CC=="], flushed);
        Assert.Equal(0, pending.FrameCount);
        pending.Release();
    }

    [Fact]
    public void TryAdd_OverTheLimit_DropsAndCounts()
    {
        var pending = new PendingAudio(maxBytes: 10);
        Assert.True(pending.TryAdd(new byte[8]));
        Assert.False(pending.TryAdd(new byte[4]));
        Assert.True(pending.TryAdd(new byte[2]));

        Assert.Equal(1, pending.DroppedFrames);
        Assert.Equal(2, pending.FrameCount);
        pending.Release();
    }

    [Fact]
    public void Flush_StopsAtTheFirstRefusal()
    {
        var pending = new PendingAudio(maxBytes: 100);
        pending.TryAdd([1]);
        pending.TryAdd([2]);

        Assert.False(pending.Flush(0, static (_, _) => false));
        pending.Release();
    }
}
