using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.CallerEmulator;

/// <summary>
/// A provider's side of a media-stream WebSocket on a real socket, without the provider: one writer, a receive loop
/// that hands each message to the provider's fake, waits that complete when what they wait for has arrived, and
/// protocol violations collected and rethrown on dispose. The fake deriving from it says what the provider sends and
/// what it accepts, and calls <see cref="StartReceiving"/> at the end of its constructor.
/// </summary>
public abstract class FakeCallerSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly string _provider;
    private readonly List<string> _violations = [];
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task _receiveLoop = Task.CompletedTask;

    /// <param name="socket">An open socket; the fake owns it from here.</param>
    /// <param name="provider">The provider's name, for violation messages.</param>
    protected FakeCallerSocket(ClientWebSocket socket, string provider)
    {
        _socket = socket;
        _provider = provider;
    }

    public WebSocketState State => _socket.State;

    /// <summary>The audio the server sent, concatenated, in the provider's own format.</summary>
    public byte[] ReceivedAudio
    {
        get
        {
            lock (Gate)
            {
                return ReceivedAudioStream.ToArray();
            }
        }
    }

    /// <summary>Guards the deriving fake's state and the waits on it.</summary>
    protected object Gate { get; } = new();

    /// <summary>Under <see cref="Gate"/>: where the deriving fake appends each audio frame it accepts.</summary>
    protected MemoryStream ReceivedAudioStream { get; } = new();

    /// <summary>The status of an upgrade attempt: null when it was accepted (the socket is then closed at once).</summary>
    public static async Task<HttpStatusCode?> TryConnectForStatusAsync(Uri url, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        SetHeaders(socket, headers);
        try
        {
            await socket.ConnectAsync(url, cancellationToken);
        }
        catch (WebSocketException) when (socket.HttpStatusCode is not 0 and not HttpStatusCode.SwitchingProtocols)
        {
            return socket.HttpStatusCode;
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "probe", cancellationToken);
        return null;
    }

    public async Task SendTextAsync(string json, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async Task SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(data, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task WaitForAudioBytesAsync(int count, CancellationToken cancellationToken) => WaitAsync(() => ReceivedAudioStream.Length >= count, cancellationToken);

    /// <summary>Drops the connection without a close frame (a network failure).</summary>
    public void Abort() => _socket.Abort();

    public Task<(WebSocketCloseStatus? Status, string? Description)> WaitForCloseAsync(CancellationToken cancellationToken) =>
        _closed.Task.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "test over", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }

        _socket.Abort();
        await _receiveLoop;
        _socket.Dispose();
        _sendLock.Dispose();
        GC.SuppressFinalize(this);
        lock (Gate)
        {
            if (_violations.Count > 0)
            {
                throw new InvalidOperationException($"The fake {_provider} caller saw protocol violations: " + string.Join("; ", _violations));
            }
        }
    }

    /// <summary>Opens the upgrade with <paramref name="headers"/> (a signature, an authorization) set on it.</summary>
    protected static async Task<ClientWebSocket> OpenAsync(Uri url, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        SetHeaders(socket, headers);
        await socket.ConnectAsync(url, cancellationToken);
        return socket;
    }

    protected static bool HasExactly(JsonObject node, params string[] names) =>
        node.Count == names.Length && names.All(node.ContainsKey);

    /// <summary>Starts reading; the deriving fake calls it last in its constructor, once its own fields are set.</summary>
    protected void StartReceiving() => _receiveLoop = Task.Run(ReceiveLoopAsync);

    /// <summary>One text message as it arrived, on the receive loop.</summary>
    protected abstract Task OnTextAsync(string text);

    /// <summary>One binary message, on the receive loop: a violation unless the provider sends audio that way.</summary>
    protected virtual void OnBinary(byte[] frame) => Violation($"a binary frame: {_provider} takes JSON text only");

    /// <summary>The message as a JSON object, or null after recording it as a violation.</summary>
    protected JsonObject? ParseObject(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is JsonObject frame)
            {
                return frame;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        Violation($"not a JSON object: {text}");
        return null;
    }

    /// <summary>The caller ends the call by closing the socket, as the provider does.</summary>
    protected async Task CloseOutputAsync(string description, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, description, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Completes when <paramref name="condition"/>, evaluated under <see cref="Gate"/>, holds.</summary>
    protected Task WaitAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            if (condition())
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Under <see cref="Gate"/>: completes every wait whose condition now holds.</summary>
    protected void WakeWaiters()
    {
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Condition())
            {
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    protected void Violation(string what)
    {
        lock (Gate)
        {
            _violations.Add(what);
        }
    }

    private static void SetHeaders(ClientWebSocket socket, IReadOnlyDictionary<string, string>? headers)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            socket.Options.SetRequestHeader(name, value);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult((result.CloseStatus, result.CloseStatusDescription));
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    OnBinary(message.ToArray());
                    continue;
                }

                await OnTextAsync(Encoding.UTF8.GetString(message.ToArray()));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _closed.TrySetResult((null, null));
        }
    }
}
