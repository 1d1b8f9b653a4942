using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using VoiceServer.RealtimeEmulator.Protocol;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Fakes;

/// <summary>
/// One accepted Realtime WebSocket: what the client asked for in the upgrade, everything it sent, the session as
/// the fake applied it, and the scripting methods that play the server's side.
/// </summary>
public sealed partial class FakeRealtimeConnection
{
    // μ-law: 8 bytes per ms. The truncate bound and the tracked deltas use it (the fake's audio is μ-law).
    private const int MulawBytesPerMillisecond = 8;

    private readonly WebSocket _socket;
    private readonly FakeRealtimeServerOptions _options;
    private readonly object _gate = new();
    private readonly AsyncWaiters _waiters;
    private readonly FailureLog _failures = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)> _clientClosed =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly List<JsonObject> _received = [];
    private readonly List<JsonObject> _sent = [];
    private readonly List<JsonObject> _sessionUpdates = [];
    private readonly List<JsonObject> _errorsSent = [];
    private readonly MemoryStream _receivedAudio = new();
    private readonly List<Task> _background = [];
    private readonly JsonObject _session;
    private int _appendCount;
    private bool _ended;

    internal FakeRealtimeConnection(WebSocket socket, HttpRequest request, FakeRealtimeServerOptions options, int index)
    {
        _socket = socket;
        _options = options;
        _waiters = new AsyncWaiters(_gate);
        Index = index;
        Path = request.Path.Value ?? string.Empty;
        QueryString = request.QueryString.Value ?? string.Empty;
        Query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        Headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Model = Query.GetValueOrDefault("model");
        SessionId = RealtimeIds.Session();
        ConversationId = RealtimeIds.Conversation();
        var expiresAt = options.TimeProvider.GetUtcNow().AddHours(1).ToUnixTimeSeconds();
        _session = FakeRealtimeSession.DefaultSession(Model ?? options.DefaultModel, SessionId, expiresAt);
    }

    /// <summary>0-based order of acceptance on the server.</summary>
    public int Index { get; }

    /// <summary><c>/v1/realtime</c> or <c>/openai/v1/realtime</c>.</summary>
    public string Path { get; }

    public bool IsAzure => Path.StartsWith(FakeRealtimeServer.AzurePath, StringComparison.Ordinal);

    /// <summary>The full query string, with its leading '?', or empty.</summary>
    public string QueryString { get; }

    public IReadOnlyDictionary<string, string> Query { get; }

    /// <summary>The <c>model</c> query parameter.</summary>
    public string? Model { get; }

    /// <summary>Every upgrade request header (Authorization, api-key, OpenAI-Beta, …), case-insensitive.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    public string SessionId { get; }

    public string ConversationId { get; }

    public WebSocketState State => _socket.State;

    /// <summary>Every client event, in order (recorded after the fake has reacted to it).</summary>
    public IReadOnlyList<JsonObject> Received => Snapshot(_received);

    /// <summary>Every server event sent on this connection, scripted or automatic.</summary>
    public IReadOnlyList<JsonObject> Sent => Snapshot(_sent);

    /// <summary>Every <c>session.update</c> received, valid or not.</summary>
    public IReadOnlyList<JsonObject> SessionUpdates => Snapshot(_sessionUpdates);

    /// <summary>
    /// Errors the fake raised against client events (validation, protocol rules). Errors scripted with
    /// <c>SendErrorAsync</c> are not included, so a test can assert this stays empty.
    /// </summary>
    public IReadOnlyList<JsonObject> ErrorsSent => Snapshot(_errorsSent);

    /// <summary>The effective session (a copy), as the last session.updated reported it.</summary>
    public JsonObject Session
    {
        get
        {
            lock (_gate)
            {
                return (JsonObject)_session.DeepClone();
            }
        }
    }

    /// <summary>Decoded concatenation of every valid <c>input_audio_buffer.append</c> (a snapshot).</summary>
    public byte[] ReceivedAudio
    {
        get
        {
            lock (_gate)
            {
                return _receivedAudio.ToArray();
            }
        }
    }

    public long ReceivedAudioBytes
    {
        get
        {
            lock (_gate)
            {
                return _receivedAudio.Length;
            }
        }
    }

    public int AppendCount
    {
        get
        {
            lock (_gate)
            {
                return _appendCount;
            }
        }
    }

    internal IReadOnlyList<string> Failures => _failures.Messages;

    /// <summary>The first client event of this type (and matching the predicate), already received or still to come.</summary>
    public Task<JsonObject> WaitForEventAsync(string type, Func<JsonObject, bool>? predicate = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        return _waiters.WaitAsync(
            () =>
            {
                var match = _received.Find(e => TypeOf(e) == type && (predicate is null || predicate(e)));
                return (match is not null, match!);
            },
            $"client event '{type}'",
            cancellationToken);
    }

    public Task<JsonObject> WaitForEventAsync(string type, CancellationToken cancellationToken) =>
        WaitForEventAsync(type, predicate: null, cancellationToken);

    /// <summary>Until at least <paramref name="count"/> client events of this type have arrived.</summary>
    public Task WaitForEventCountAsync(string type, int count, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(
            () => (_received.Count(e => TypeOf(e) == type) >= count, true),
            $"{count} client event(s) '{type}'",
            cancellationToken);

    public Task WaitForAudioBytesAsync(int count, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(() => (_receivedAudio.Length >= count, true), $"{count} bytes of caller audio", cancellationToken);

    /// <summary>The close status the client sent, or a null status when the connection dropped.</summary>
    public Task<(WebSocketCloseStatus? Status, string? Description)> WaitForClientCloseAsync(CancellationToken cancellationToken = default) =>
        _clientClosed.Task.WaitAsync(cancellationToken);

    /// <summary>Closes from the server's side and waits for the client's answering close frame.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string? description, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, description, cancellationToken);
            }
        }
        finally
        {
            _sendLock.Release();
        }

        await WaitForClientCloseAsync(cancellationToken);
    }

    /// <summary>Drops the connection without a close frame.</summary>
    public void Abort()
    {
        try
        {
            _socket.Abort();
        }
        catch (ObjectDisposedException)
        {
            // The request has already finished: the connection is gone anyway.
        }
    }

    internal async Task RunAsync(CancellationToken requestAborted)
    {
        try
        {
            if (_options.RejectBetaHeader && Headers.ContainsKey("OpenAI-Beta"))
            {
                // What a beta client sees since the shut-down (docs/reference/openai-realtime.md §0).
                await SendErrorCoreAsync(
                    new RealtimeError("beta_api_shape_disabled", "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.", null),
                    clientEventId: null,
                    record: true,
                    requestAborted);
                await CloseOutputAsync((WebSocketCloseStatus)4000, "beta_api_shape_disabled", requestAborted);
            }
            else if (_options.SendSessionCreated)
            {
                JsonObject session;
                lock (_gate)
                {
                    session = (JsonObject)_session.DeepClone();
                }

                await SendEventAsync(new JsonObject { ["type"] = "session.created", ["session"] = session }, requestAborted);
                await SendEventAsync(
                    new JsonObject
                    {
                        ["type"] = "conversation.created",
                        ["conversation"] = new JsonObject { ["id"] = ConversationId, ["object"] = "realtime.conversation" },
                    },
                    requestAborted);
            }

            await ReceiveLoopAsync(requestAborted);
        }
        catch (Exception ex) when (WebSocketIo.IsConnectionEnded(ex))
        {
        }
        catch (Exception ex)
        {
            _failures.Add("FakeRealtimeConnection failed", ex);
        }
        finally
        {
            _clientClosed.TrySetResult((null, null));
            lock (_gate)
            {
                _ended = true;
            }

            _waiters.Close("the realtime connection has closed");
            Task[] background;
            lock (_gate)
            {
                background = [.. _background];
            }

            await Task.WhenAll(background);
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await WebSocketIo.ReceiveMessageAsync(_socket, _options.MaxMessageBytes, cancellationToken);
            if (message.Type == WebSocketMessageType.Close)
            {
                // The close frame arrived: that is the client's answer, whatever happens to our echo.
                _clientClosed.TrySetResult((message.CloseStatus, message.CloseDescription));
                await CloseOutputAsync(message.CloseStatus ?? WebSocketCloseStatus.Empty, message.CloseDescription, cancellationToken);
                return;
            }

            if (message.TooLarge)
            {
                await SendErrorCoreAsync(
                    new RealtimeError("invalid_request_error", $"Message exceeds the maximum size of {_options.MaxMessageBytes} bytes.", null),
                    null,
                    record: true,
                    cancellationToken);
                await CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big", cancellationToken);
                continue;
            }

            if (message.Type == WebSocketMessageType.Binary)
            {
                await SendErrorCoreAsync(
                    new RealtimeError("invalid_json", "Binary frames are not supported; send JSON client events as text frames.", null),
                    null,
                    record: true,
                    cancellationToken);
                continue;
            }

            var node = FakeJson.TryParse(message.Data, out var parseError);
            if (node is not JsonObject clientEvent)
            {
                var text = Encoding.UTF8.GetString(message.Data);
                await SendErrorCoreAsync(
                    new RealtimeError("invalid_json", $"The client event is not a valid JSON object: {parseError ?? text}", null),
                    null,
                    record: true,
                    cancellationToken);
                continue;
            }

            await HandleClientEventAsync(clientEvent, cancellationToken);
            lock (_gate)
            {
                _received.Add(clientEvent);
            }

            _waiters.Notify();
        }
    }

    private async Task CloseOutputAsync(WebSocketCloseStatus status, string? description, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, status == WebSocketCloseStatus.Empty ? null : description, cancellationToken);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends any server event, adding a realistic <c>event_id</c> when it has none.</summary>
    public async Task SendEventAsync(JsonObject serverEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(serverEvent);
        if (!serverEvent.ContainsKey("event_id"))
        {
            // event_id goes right after type, where the real API puts it.
            var properties = serverEvent.ToList();
            serverEvent.Clear();
            foreach (var (key, value) in properties)
            {
                serverEvent[key] = value;
                if (key == "type")
                {
                    serverEvent["event_id"] = RealtimeIds.Event();
                }
            }

            serverEvent.TryAdd("event_id", RealtimeIds.Event());
        }

        var bytes = Encoding.UTF8.GetBytes(FakeJson.Serialize(serverEvent));
        await SendFrameAsync(bytes, WebSocketMessageType.Text, cancellationToken);
        lock (_gate)
        {
            _sent.Add(serverEvent);
        }
    }

    private async Task SendFrameAsync(byte[] bytes, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        // One writer per socket: the receive loop's replies, scripted events and automatic responses share it.
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, type, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private static string? TypeOf(JsonObject clientEvent) =>
        FakeJson.IsString(clientEvent["type"], out var type) ? type : null;

    private List<JsonObject> Snapshot(List<JsonObject> list)
    {
        lock (_gate)
        {
            return [.. list];
        }
    }

    /// <summary>Runs scripted work off the receive loop; its failures (other than a closed socket) are recorded.</summary>
    private void RunInBackground(Func<Task> work, string what)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }

            _background.Add(Task.Run(async () =>
            {
                try
                {
                    await work();
                }
                catch (Exception ex) when (WebSocketIo.IsConnectionEnded(ex) || _socket.State != WebSocketState.Open)
                {
                }
                catch (Exception ex)
                {
                    _failures.Add(what, ex);
                }
            }));
        }
    }
}
