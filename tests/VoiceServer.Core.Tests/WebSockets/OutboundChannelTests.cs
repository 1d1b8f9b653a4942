using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using VoiceServer.WebSockets;

namespace VoiceServer.Core.Tests.WebSockets;

/// <summary>The send queue against a real WebSocket pair on loopback.</summary>
public sealed class OutboundChannelTests : IAsyncLifetime
{
    private const int MessagesInFlight = 1_000;

    private readonly CancellationTokenSource _safetyNet = new(TimeSpan.FromSeconds(30));
    private WebSocket _sender = null!;
    private WebSocket _receiver = null!;

    public async Task InitializeAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        var accept = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await accept;
        _sender = WebSocket.CreateFromStream(server.GetStream(), new WebSocketCreationOptions { IsServer = true });
        _receiver = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false });
    }

    public Task DisposeAsync()
    {
        _sender.Dispose();
        _receiver.Dispose();
        _safetyNet.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ManyMessagesInFlight_ReturnedByTheSendLoop_AreRentedAgainWithoutAllocating()
    {
        var channel = new OutboundChannel(MessagesInFlight);
        var media = new byte[1_200];

        // First round: the buffers are created, queued all at once, sent, and returned by the send loop's threads.
        EnqueueAll(channel, media);
        var sendLoop = Task.Run(() => channel.RunSendLoopAsync(_sender, _safetyNet.Token));
        await ReceiveAsync(MessagesInFlight, media.Length);

        // Second round, as many in flight again: every buffer comes back from the pool, none is allocated.
        var before = GC.GetAllocatedBytesForCurrentThread();
        EnqueueAll(channel, media);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        await ReceiveAsync(MessagesInFlight, media.Length);

        Assert.Equal(0, allocated);
        channel.Complete();
        await sendLoop.WaitAsync(_safetyNet.Token);
    }

    [Fact]
    public async Task MessagesGoOutWholeAndInOrder_ThenTheLoopEndsWhenCompleted()
    {
        var channel = new OutboundChannel(capacity: 16);
        var sendLoop = Task.Run(() => channel.RunSendLoopAsync(_sender, _safetyNet.Token));
        for (var i = 0; i < 100; i++)
        {
            Assert.True(channel.TryEnqueue("{\"n\":"u8, System.Text.Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), "}"u8));
            var buffer = new byte[64];
            var result = await _receiver.ReceiveAsync(buffer, _safetyNet.Token);
            Assert.True(result.EndOfMessage);
            Assert.Equal($"{{\"n\":{i}}}", System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        channel.Complete();
        await sendLoop.WaitAsync(_safetyNet.Token);
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
            var result = await _receiver.ReceiveAsync(buffer, _safetyNet.Token);
            Assert.Equal(length, result.Count);
        }
    }
}
