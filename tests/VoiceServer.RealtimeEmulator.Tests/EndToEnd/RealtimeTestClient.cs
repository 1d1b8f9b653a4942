using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.RealtimeEmulator.Tests.EndToEnd;

/// <summary>A bare Realtime client over <see cref="ClientWebSocket"/>: hand-written JSON out, <see cref="JsonNode"/> in.</summary>
internal sealed class RealtimeTestClient : IDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[64 * 1024];

    public WebSocket Socket => _socket;

    /// <summary>Every event received so far, in order.</summary>
    public List<JsonObject> Received { get; } = [];

    public static async Task<RealtimeTestClient> ConnectAsync(Uri uri, CancellationToken cancellationToken, Action<ClientWebSocketOptions>? configure = null)
    {
        var client = new RealtimeTestClient();
        client._socket.Options.SetRequestHeader("Authorization", "Bearer sk-local-test-key");
        configure?.Invoke(client._socket.Options);
        await client._socket.ConnectAsync(uri, cancellationToken);
        return client;
    }

    public Task SendAsync(string json, CancellationToken cancellationToken) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>Streams audio as appends of <paramref name="frameBytes"/>: by default 20 ms of μ-law, as voice-server forwards Twilio frames.</summary>
    public async Task SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken, int frameBytes = 160)
    {
        for (var offset = 0; offset < audio.Length; offset += frameBytes)
        {
            var frame = audio.Slice(offset, Math.Min(frameBytes, audio.Length - offset));
            await SendAsync(EmulatorJson.Append(frame.Span), cancellationToken);
        }
    }

    public async Task<JsonObject> ReceiveAsync(CancellationToken cancellationToken)
    {
        var (message, closeStatus) = await ReceiveMessageAsync(cancellationToken);
        if (message is null)
        {
            throw new InvalidOperationException($"The server closed the socket ({closeStatus}) while an event was expected.");
        }

        var json = JsonNode.Parse(message)!.AsObject();
        Received.Add(json);
        return json;
    }

    /// <summary>Reads events up to and including the first of <paramref name="type"/>.</summary>
    public async Task<JsonObject> ReceiveUntilAsync(string type, CancellationToken cancellationToken)
    {
        while (true)
        {
            var json = await ReceiveAsync(cancellationToken);
            if (Type(json) == type)
            {
                return json;
            }
        }
    }

    /// <summary>Reads until the server's close frame; fails if an event arrives first.</summary>
    public async Task<WebSocketCloseStatus?> ReceiveCloseAsync(CancellationToken cancellationToken)
    {
        var (message, closeStatus) = await ReceiveMessageAsync(cancellationToken);
        return message is null ? closeStatus : throw new InvalidOperationException($"Expected a close, got: {message}");
    }

    public async Task CloseAsync(CancellationToken cancellationToken) =>
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancellationToken);

    public void Dispose() => _socket.Dispose();

    public static string Type(JsonObject json) => (string)json["type"]!;

    private async Task<(string? Message, WebSocketCloseStatus? CloseStatus)> ReceiveMessageAsync(CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (null, result.CloseStatus);
            }

            message.Write(_buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length), null);
            }
        }
    }
}
