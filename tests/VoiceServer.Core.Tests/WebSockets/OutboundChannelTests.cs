using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using VoiceServer.WebSockets;

namespace VoiceServer.Core.Tests.WebSockets;

/// <summary>The send queue against a real WebSocket pair on loopback.</summary>
public sealed class OutboundChannelTests : LoopbackWebSocketTest
{
    private const int MessagesInFlight = 1_000;

    private WebSocket Sender => Server;

    private WebSocket Receiver => Client;

    [Fact]
    public async Task ManyMessagesInFlight_ReturnedByTheSendLoop_AreRentedAgainWithoutAllocating()
    {
        var channel = new OutboundChannel(MessagesInFlight);
        var media = new byte[1_200];

        // First round: the buffers are created, queued all at once, sent, and returned by the send loop's threads.
        EnqueueAll(channel, media);
        var sendLoop = Task.Run(() => channel.RunSendLoopAsync(Sender, SafetyNet));
        await ReceiveAsync(MessagesInFlight, media.Length);

        // Second round, as many in flight again: every buffer comes back from the pool, none is allocated.
        var before = GC.GetAllocatedBytesForCurrentThread();
        EnqueueAll(channel, media);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        await ReceiveAsync(MessagesInFlight, media.Length);

        Assert.Equal(0, allocated);
        channel.Complete();
        await sendLoop.WaitAsync(SafetyNet);
    }

    [Fact]
    public async Task MessagesGoOutWholeAndInOrder_ThenTheLoopEndsWhenCompleted()
    {
        var channel = new OutboundChannel(capacity: 128);
        var sendLoop = Task.Run(() => channel.RunSendLoopAsync(Sender, SafetyNet));
        for (var i = 0; i < 100; i++)
        {
            Assert.True(channel.TryEnqueue("{\"n\":"u8, Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)), "}"u8));
        }

        var buffer = new byte[64];
        for (var i = 0; i < 100; i++)
        {
            var result = await Receiver.ReceiveAsync(buffer, SafetyNet);
            Assert.True(result.EndOfMessage);
            Assert.Equal($"{{\"n\":{i}}}", Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        channel.Complete();
        await sendLoop.WaitAsync(SafetyNet);
        Assert.False(channel.TryEnqueue("late"u8));
    }

    private static void EnqueueAll(OutboundChannel channel, byte[] message)
    {
        for (var i = 0; i < MessagesInFlight; i++)
        {
            Assert.True(channel.TryEnqueue(message));
        }
    }

    private async Task ReceiveAsync(int messages, int length)
    {
        var buffer = new byte[length];
        for (var i = 0; i < messages; i++)
        {
            var result = await Receiver.ReceiveAsync(buffer, SafetyNet);
            Assert.Equal(length, result.Count);
        }
    }
}
