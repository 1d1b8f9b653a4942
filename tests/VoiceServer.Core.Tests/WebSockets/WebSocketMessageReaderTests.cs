using System.Net.WebSockets;
using System.Text;
using VoiceServer.Legs;
using VoiceServer.WebSockets;

namespace VoiceServer.Core.Tests.WebSockets;

/// <summary>The reader against a real WebSocket pair on loopback: what it assembles, and what it holds while waiting.</summary>
public sealed class WebSocketMessageReaderTests : LoopbackWebSocketTest
{
    private WebSocket Sender => Client;

    private WebSocket Receiver => Server;

    [Fact]
    public async Task HoldsNoBufferWhileWaiting_AndTheMessageUntilTheNextReceive()
    {
        using var reader = new WebSocketMessageReader(maxMessageBytes: 64 * 1024);
        Assert.Equal(0, reader.HeldBytes);

        var first = reader.ReceiveAsync(Receiver, SafetyNet).AsTask();
        Assert.False(first.IsCompleted);
        Assert.Equal(0, reader.HeldBytes);

        await SendTextAsync("""{"event":"media"}""");
        var received = await first.WaitAsync(SafetyNet);
        Assert.True(received.IsMessage);
        Assert.Equal("""{"event":"media"}""", Encoding.UTF8.GetString(reader.Message(received.Length)));
        Assert.True(reader.HeldBytes > 0);

        var second = reader.ReceiveAsync(Receiver, SafetyNet).AsTask();
        Assert.False(second.IsCompleted);
        Assert.Equal(0, reader.HeldBytes);

        await SendTextAsync("next");
        received = await second.WaitAsync(SafetyNet);
        Assert.Equal("next", Encoding.UTF8.GetString(reader.Message(received.Length)));

        reader.Dispose();
        Assert.Equal(0, reader.HeldBytes);
    }

    [Fact]
    public async Task AssemblesFragments_EmptyMessages_AndMessagesLargerThanTheFirstRental()
    {
        using var reader = new WebSocketMessageReader(maxMessageBytes: 64 * 1024);
        var large = new string('x', 20_000);

        await Sender.SendAsync(Encoding.UTF8.GetBytes("part one, "), WebSocketMessageType.Text, endOfMessage: false, SafetyNet);
        await Sender.SendAsync(Encoding.UTF8.GetBytes("part two"), WebSocketMessageType.Text, endOfMessage: true, SafetyNet);
        await SendTextAsync("");
        await SendTextAsync(large);
        await SendTextAsync("small again");

        Assert.Equal("part one, part two", await ReceiveTextAsync(reader));
        Assert.Equal("", await ReceiveTextAsync(reader));
        Assert.Equal(large, await ReceiveTextAsync(reader));
        Assert.Equal("small again", await ReceiveTextAsync(reader));
    }

    [Fact]
    public async Task AHugeMessage_GrowsItsRental_ButLaterMessagesRentAtMost64KiB()
    {
        using var reader = new WebSocketMessageReader(maxMessageBytes: 4 * 1024 * 1024);
        var huge = new string('h', 256 * 1024);
        // Received while it is sent: a message this size need not fit in the loopback socket's buffers.
        var receiving = ReceiveTextAsync(reader);
        await SendTextAsync(huge);
        Assert.Equal(huge, await receiving);
        Assert.True(reader.HeldBytes >= huge.Length);

        await SendTextAsync("a frame");
        Assert.Equal("a frame", await ReceiveTextAsync(reader));
        Assert.InRange(reader.HeldBytes, 1, 64 * 1024);
    }

    [Fact]
    public async Task Scratch_IsAsLongAsTheMessage_AndNeverOverlapsIt()
    {
        using var reader = new WebSocketMessageReader(maxMessageBytes: 64 * 1024);
        foreach (var length in new[] { 10, 3_000, 9_000 })
        {
            var text = new string('a', length);
            await SendTextAsync(text);
            var received = await reader.ReceiveAsync(Receiver, SafetyNet).AsTask().WaitAsync(SafetyNet);

            var scratch = reader.Scratch(received.Length);
            Assert.True(scratch.Length >= received.Length);
            scratch.Fill((byte)'b');
            Assert.Equal(text, Encoding.UTF8.GetString(reader.Message(received.Length)));
        }
    }

    [Fact]
    public async Task OneByteOverTheLimit_IsTooBig_AndTheLimitItselfIsNot()
    {
        using var reader = new WebSocketMessageReader(maxMessageBytes: 100);
        await SendTextAsync(new string('a', 100));
        await SendTextAsync(new string('a', 101));

        Assert.Equal(100, (await ReceiveTextAsync(reader)).Length);
        var tooBig = await reader.ReceiveAsync(Receiver, SafetyNet).AsTask().WaitAsync(SafetyNet);
        Assert.Equal(LegCompletionKind.MessageTooBig, tooBig.Completion?.Kind);
    }

    [Fact]
    public async Task BinaryMessage_AndClose_AreCompletions()
    {
        using var reader = new WebSocketMessageReader(maxMessageBytes: 64 * 1024);
        await Sender.SendAsync(new byte[10], WebSocketMessageType.Binary, endOfMessage: true, SafetyNet);
        var binary = await reader.ReceiveAsync(Receiver, SafetyNet).AsTask().WaitAsync(SafetyNet);
        Assert.Equal(LegCompletionKind.BinaryMessage, binary.Completion?.Kind);

        // The reader stops at the binary frame's header; the connection discards the rest while it closes.
        Assert.Equal(10, (await Receiver.ReceiveAsync(new byte[10], SafetyNet)).Count);

        using var other = new WebSocketMessageReader(maxMessageBytes: 64 * 1024);
        await Sender.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "bye", SafetyNet);
        var closed = await other.ReceiveAsync(Receiver, SafetyNet).AsTask().WaitAsync(SafetyNet);
        Assert.Equal(LegCompletionKind.ClosedByPeer, closed.Completion?.Kind);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, closed.Completion?.CloseStatus);
        Assert.Equal(0, other.HeldBytes);
    }

    private Task SendTextAsync(string text) =>
        Sender.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, SafetyNet);

    private async Task<string> ReceiveTextAsync(WebSocketMessageReader reader)
    {
        var received = await reader.ReceiveAsync(Receiver, SafetyNet).AsTask().WaitAsync(SafetyNet);
        Assert.True(received.IsMessage, $"expected a message, got {received.Completion}");
        return Encoding.UTF8.GetString(reader.Message(received.Length));
    }
}
