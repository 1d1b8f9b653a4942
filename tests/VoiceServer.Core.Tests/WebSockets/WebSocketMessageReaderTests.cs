using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using VoiceServer.Legs;
using VoiceServer.WebSockets;

namespace VoiceServer.Core.Tests.WebSockets;

/// <summary>The reader against a real WebSocket pair on loopback: what it assembles, and what it holds while waiting.</summary>
public sealed class WebSocketMessageReaderTests : IAsyncLifetime
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _safetyNet = new(SafetyNet);

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
        _sender = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false });
        _receiver = WebSocket.CreateFromStream(server.GetStream(), new WebSocketCreationOptions { IsServer = true });
    }

    public Task DisposeAsync()
    {
        _sender.Dispose();
        _receiver.Dispose();
        _safetyNet.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task HoldsNoBufferWhileWaiting_AndTheMessageUntilTheNextReceive()
    {
        using var reader = new WebSocketMessageReader(maxMessageBytes: 64 * 1024);
        Assert.Equal(0, reader.HeldBytes);

        var first = reader.ReceiveAsync(_receiver, _safetyNet.Token).AsTask();
        Assert.False(first.IsCompleted);
        Assert.Equal(0, reader.HeldBytes);

        await SendTextAsync("""{"event":"media"}""");
        var received = await first.WaitAsync(SafetyNet, _safetyNet.Token);
        Assert.True(received.IsMessage);
        Assert.Equal("""{"event":"media"}""", Encoding.UTF8.GetString(reader.Message(received.Length)));
        Assert.True(reader.HeldBytes > 0);

        var second = reader.ReceiveAsync(_receiver, _safetyNet.Token).AsTask();
        Assert.False(second.IsCompleted);
        Assert.Equal(0, reader.HeldBytes);

        await SendTextAsync("next");
        received = await second.WaitAsync(SafetyNet, _safetyNet.Token);
        Assert.Equal("next", Encoding.UTF8.GetString(reader.Message(received.Length)));

        reader.Dispose();
        Assert.Equal(0, reader.HeldBytes);
    }

    [Fact]
    public async Task AssemblesFragments_EmptyMessages_AndMessagesLargerThanTheFirstRental()
    {
        using var reader = new WebSocketMessageReader(maxMessageBytes: 64 * 1024);
        var large = new string('x', 20_000);

        await _sender.SendAsync(Encoding.UTF8.GetBytes("part one, "), WebSocketMessageType.Text, endOfMessage: false, _safetyNet.Token);
        await _sender.SendAsync(Encoding.UTF8.GetBytes("part two"), WebSocketMessageType.Text, endOfMessage: true, _safetyNet.Token);
        await SendTextAsync("");
        await SendTextAsync(large);
        await SendTextAsync("small again");

        Assert.Equal("part one, part two", await ReceiveTextAsync(reader));
        Assert.Equal("", await ReceiveTextAsync(reader));
        Assert.Equal(large, await ReceiveTextAsync(reader));
        Assert.Equal("small again", await ReceiveTextAsync(reader));
    }

    [Fact]
    public async Task Scratch_IsAsLongAsTheMessage_AndNeverOverlapsIt()
    {
        using var reader = new WebSocketMessageReader(maxMessageBytes: 64 * 1024);
        foreach (var length in new[] { 10, 3_000, 9_000 })
        {
            var text = new string('a', length);
            await SendTextAsync(text);
            var received = await reader.ReceiveAsync(_receiver, _safetyNet.Token).AsTask().WaitAsync(SafetyNet, _safetyNet.Token);

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
        var tooBig = await reader.ReceiveAsync(_receiver, _safetyNet.Token).AsTask().WaitAsync(SafetyNet, _safetyNet.Token);
        Assert.Equal(LegCompletionKind.MessageTooBig, tooBig.Completion?.Kind);
    }

    [Fact]
    public async Task BinaryMessage_AndClose_AreCompletions()
    {
        using var reader = new WebSocketMessageReader(maxMessageBytes: 64 * 1024);
        await _sender.SendAsync(new byte[10], WebSocketMessageType.Binary, endOfMessage: true, _safetyNet.Token);
        var binary = await reader.ReceiveAsync(_receiver, _safetyNet.Token).AsTask().WaitAsync(SafetyNet, _safetyNet.Token);
        Assert.Equal(LegCompletionKind.BinaryMessage, binary.Completion?.Kind);

        // The reader stops at the binary frame's header; the connection discards the rest while it closes.
        Assert.Equal(10, (await _receiver.ReceiveAsync(new byte[10], _safetyNet.Token)).Count);

        using var other = new WebSocketMessageReader(maxMessageBytes: 64 * 1024);
        await _sender.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "bye", _safetyNet.Token);
        var closed = await other.ReceiveAsync(_receiver, _safetyNet.Token).AsTask().WaitAsync(SafetyNet, _safetyNet.Token);
        Assert.Equal(LegCompletionKind.ClosedByPeer, closed.Completion?.Kind);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, closed.Completion?.CloseStatus);
        Assert.Equal(0, other.HeldBytes);
    }

    private Task SendTextAsync(string text) =>
        _sender.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, _safetyNet.Token);

    private async Task<string> ReceiveTextAsync(WebSocketMessageReader reader)
    {
        var received = await reader.ReceiveAsync(_receiver, _safetyNet.Token).AsTask().WaitAsync(SafetyNet, _safetyNet.Token);
        Assert.True(received.IsMessage, $"expected a message, got {received.Completion}");
        return Encoding.UTF8.GetString(reader.Message(received.Length));
    }
}
