using System.Net.WebSockets;
using System.Text;
using VoiceServer.WebSockets;

namespace VoiceServer.Core.Tests.WebSockets;

/// <summary>
/// The coalescing transport under a real (framework) server WebSocket: what reaches the wire, write by write. Frames
/// are read back by hand from RFC 6455's layout, independently of the framework's reader.
/// </summary>
public sealed class WriteCoalescingStreamTests
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AHeldMessage_LeavesWithTheNextOne_InOneWrite()
    {
        var wire = new RecordingTransport();
        var (transport, socket) = ServerSocketOver(wire);

        transport.HoldNextWrite();
        await socket.SendAsync("""{"event":"media"}"""u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        Assert.Equal(0, wire.Writes);
        await socket.SendAsync("""{"event":"mark"}"""u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        Assert.Equal(1, wire.Writes);
        Assert.Equal(["""{"event":"media"}""", """{"event":"mark"}"""], TextFrames(wire.Bytes));
    }

    [Fact]
    public async Task WithoutAHold_EveryMessageIsItsOwnWrite()
    {
        var wire = new RecordingTransport();
        var (_, socket) = ServerSocketOver(wire);

        await socket.SendAsync("a"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        await socket.SendAsync("b"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        Assert.Equal(2, wire.Writes);
        Assert.Equal(["a", "b"], TextFrames(wire.Bytes));
    }

    [Fact]
    public async Task AMessageTooLargeToHold_GoesOutAtOnce()
    {
        var wire = new RecordingTransport();
        var (transport, socket) = ServerSocketOver(wire);
        var large = new string('x', WriteCoalescingStream.MaxHeldBytes);

        transport.HoldNextWrite();
        await socket.SendAsync(Encoding.UTF8.GetBytes(large), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        Assert.Equal(1, wire.Writes);
        Assert.Equal([large], TextFrames(wire.Bytes));
    }

    [Fact]
    public async Task AHeldMessage_LeavesWithTheCloseFrame_WhenTheCloseComesNext()
    {
        var wire = new RecordingTransport();
        var (transport, socket) = ServerSocketOver(wire);

        transport.HoldNextWrite();
        await socket.SendAsync("last words"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        transport.StopHolding();
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

        Assert.Equal(1, wire.Writes);
        var frames = Frames(wire.Bytes);
        Assert.Equal(2, frames.Count);
        Assert.Equal((0x1, "last words"), (frames[0].Opcode, Encoding.UTF8.GetString(frames[0].Payload)));
        Assert.Equal(0x8, frames[1].Opcode);
    }

    [Fact]
    public async Task TheSendLoop_CoalescesWhatIsQueued_AndHoldsNothingBackWhenTheQueueRunsDry()
    {
        var wire = new RecordingTransport();
        var (transport, socket) = ServerSocketOver(wire);
        var channel = new OutboundChannel(capacity: 16);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(channel.TryEnqueue(Encoding.UTF8.GetBytes($"message {i}")));
        }

        channel.Complete();
        await channel.RunSendLoopAsync(socket, transport, CancellationToken.None).WaitAsync(SafetyNet);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"message {i}"), TextFrames(wire.Bytes));
        Assert.Equal(1, wire.Writes);
    }

    [Fact]
    public void HoldingAndWriting_AllocateNothing_OnceWarm()
    {
        // The calls a WebSocket makes per frame (write, then flush), without the WebSocket's own allocations; the
        // transport completes every write at once, as Kestrel's pipe does, so nothing here needs to await.
        var wire = new RecordingTransport();
        var transport = new WriteCoalescingStream(wire);
        var media = new byte[300];
        var mark = new byte[60];
        WritePairs(transport, media, mark, pairs: 1_000);
        wire.Clear();

        var before = GC.GetAllocatedBytesForCurrentThread();
        WritePairs(transport, media, mark, pairs: 1_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1_000, wire.Writes);
    }

    private static void WritePairs(WriteCoalescingStream transport, byte[] media, byte[] mark, int pairs)
    {
        for (var i = 0; i < pairs; i++)
        {
            transport.HoldNextWrite();
            CompletedAtOnce(transport.WriteAsync(media));
            Assert.True(transport.FlushAsync().IsCompletedSuccessfully);
            CompletedAtOnce(transport.WriteAsync(mark));
            Assert.True(transport.FlushAsync().IsCompletedSuccessfully);
        }
    }

    private static void CompletedAtOnce(ValueTask write)
    {
        Assert.True(write.IsCompletedSuccessfully);
        write.GetAwaiter().GetResult();
    }

    private static (WriteCoalescingStream Transport, WebSocket Socket) ServerSocketOver(Stream wire)
    {
        var transport = new WriteCoalescingStream(wire);
        var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        return (transport, socket);
    }

    private static List<string> TextFrames(byte[] bytes) =>
        Frames(bytes).Select(frame => Encoding.UTF8.GetString(frame.Payload)).ToList();

    /// <summary>RFC 6455 §5.2, server to client: unmasked, FIN set, lengths of 7, 16 or 64 bits.</summary>
    private static List<(int Opcode, byte[] Payload)> Frames(byte[] bytes)
    {
        var frames = new List<(int, byte[])>();
        var at = 0;
        while (at < bytes.Length)
        {
            Assert.Equal(0x80, bytes[at] & 0x80);
            var opcode = bytes[at] & 0x0F;
            Assert.Equal(0, bytes[at + 1] & 0x80);
            long length = bytes[at + 1] & 0x7F;
            at += 2;
            if (length == 126)
            {
                length = (bytes[at] << 8) | bytes[at + 1];
                at += 2;
            }
            else if (length == 127)
            {
                length = 0;
                for (var i = 0; i < 8; i++)
                {
                    length = (length << 8) | bytes[at + i];
                }

                at += 8;
            }

            frames.Add((opcode, bytes.AsSpan(at, (int)length).ToArray()));
            at += (int)length;
        }

        return frames;
    }

    /// <summary>A transport that keeps every byte written and counts the writes, allocating nothing per write.</summary>
    private sealed class RecordingTransport : Stream
    {
        private readonly byte[] _bytes = new byte[1 << 20];
        private int _length;

        public int Writes { get; private set; }

        public byte[] Bytes => _bytes.AsSpan(0, _length).ToArray();

        public void Clear() => (_length, Writes) = (0, 0);

        // A WebSocket needs a readable transport; these tests never receive.
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            buffer.CopyTo(_bytes.AsSpan(_length));
            _length += buffer.Length;
            Writes++;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
