using VoiceServer.RealtimeEmulator.Audio;

namespace VoiceServer.RealtimeEmulator.Tests.Audio;

public sealed class InputAudioBufferTests
{
    [Fact]
    public void Slice_ByAbsoluteOffsets_AfterDiscard()
    {
        var buffer = new InputAudioBuffer(maxBytes: 100, initialCapacity: 8);
        buffer.Append(Bytes(0, 30));
        buffer.DiscardBefore(10);
        buffer.Append(Bytes(30, 20));

        Assert.Equal(10, buffer.StartOffset);
        Assert.Equal(50, buffer.EndOffset);
        Assert.Equal(Bytes(12, 6), buffer.Slice(12, 18));
    }

    [Fact]
    public void Slice_OutsideWhatIsHeld_IsClamped()
    {
        var buffer = new InputAudioBuffer(maxBytes: 100);
        buffer.Append(Bytes(0, 20));
        buffer.DiscardBefore(5);

        Assert.Equal(Bytes(5, 15), buffer.Slice(0, 1000));
        Assert.Empty(buffer.Slice(30, 40));
    }

    [Fact]
    public void Append_PastTheCap_DropsTheOldest()
    {
        var buffer = new InputAudioBuffer(maxBytes: 16, initialCapacity: 4);
        buffer.Append(Bytes(0, 10));
        buffer.Append(Bytes(10, 10));

        Assert.Equal(16, buffer.Length);
        Assert.Equal(4, buffer.StartOffset);
        Assert.Equal(Bytes(4, 16), buffer.Slice(0, 20));

        buffer.Append(Bytes(20, 40));
        Assert.Equal(44, buffer.StartOffset);
        Assert.Equal(Bytes(44, 16), buffer.Slice(0, 60));
    }

    [Fact]
    public void Clear_KeepsTheClock()
    {
        var buffer = new InputAudioBuffer(maxBytes: 100);
        buffer.Append(Bytes(0, 20));
        buffer.Clear();

        Assert.Equal(0, buffer.Length);
        Assert.Equal(20, buffer.StartOffset);
    }

    private static byte[] Bytes(int start, int count) => Enumerable.Range(start, count).Select(i => (byte)i).ToArray();
}
