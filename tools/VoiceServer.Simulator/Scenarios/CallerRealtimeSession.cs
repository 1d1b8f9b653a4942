using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace VoiceServer.Simulator.Scenarios;

/// <summary>
/// The simulated caller: a Realtime session (GA protocol, docs/reference/openai-realtime.md) whose input is the agent's
/// audio as the caller hears it and whose output is the caller's voice, both G.711 μ-law (<c>audio/pcmu</c>), so no
/// audio is converted on either side. It keeps the transcript of both sides, cuts its own turn short when the agent
/// talks over it, and reports when it asks to hang up (its <c>end_call</c> tool).
/// </summary>
internal sealed class CallerRealtimeSession : IAsyncDisposable
{
    // μ-law at 8 kHz.
    private const int BytesPerMillisecond = 8;

    // Realtime events are small; an audio delta is a fraction of a second. Anything bigger is not worth holding.
    private const int MaxEventBytes = 16 * 1024 * 1024;

    private static readonly TimeSpan s_closeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>From connecting to <c>session.updated</c>; the real API takes well under a second.</summary>
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(20);

    private readonly ClientWebSocket _socket;
    private readonly CallerSessionSettings _settings;
    private readonly Func<TimeSpan> _clock;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TurnEntry> _turns = [];
    private readonly List<string> _errors = [];

    // The caller's voice waiting to be streamed to the call, and whose item it belongs to.
    private byte[] _outgoing = new byte[8000];
    private int _outgoingStart;
    private int _outgoingEnd;
    private string? _speakingItemId;
    private long _speakingItemSentBytes;
    private readonly HashSet<string> _audioResponses = [];
    private Task _receiveLoop = Task.CompletedTask;
    private TaskCompletionSource? _transcribed;

    private CallerRealtimeSession(ClientWebSocket socket, CallerSessionSettings settings, Func<TimeSpan> clock)
    {
        _socket = socket;
        _settings = settings;
        _clock = clock;
    }

    // Set by the receive loop, read by the call's 20 ms loop.
    private volatile int _completedTurns;
    private volatile bool _hangUpRequested;
    private volatile bool _responding;

    /// <summary>Caller turns that finished with audio.</summary>
    public int CompletedTurns => _completedTurns;

    /// <summary>The caller's model called its <c>end_call</c> tool.</summary>
    public bool HangUpRequested => _hangUpRequested;

    /// <summary>A caller response is being generated (its audio may still be arriving).</summary>
    public bool Responding => _responding;

    /// <summary>Caller audio received from the session and not yet streamed to the call.</summary>
    public int PendingAudioBytes
    {
        get
        {
            lock (_gate)
            {
                return _outgoingEnd - _outgoingStart;
            }
        }
    }

    /// <summary>The session's <c>error</c> events, as it phrased them.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Completes with a description when the session's socket closes or fails before <see cref="DisposeAsync"/>.</summary>
    public Task<string> Closed => _closed.Task;

    /// <summary>Connects and configures the session; returns once <c>session.updated</c> confirms the configuration.</summary>
    /// <exception cref="TimeoutException">No <c>session.updated</c> within 20 s.</exception>
    public static async Task<CallerRealtimeSession> ConnectAsync(CallerSessionSettings settings, Func<TimeSpan> clock, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        if (settings.ApiKey is { } key)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        }

        var session = new CallerRealtimeSession(socket, settings, clock);
        try
        {
            await socket.ConnectAsync(settings.Url, cancellationToken);
            session._receiveLoop = Task.Run(session.ReceiveLoopAsync, CancellationToken.None);
            await session.SendAsync(session.SessionUpdate(), cancellationToken);
            await session._ready.Task.WaitAsync(s_readyTimeout, cancellationToken);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Asks for the caller's first turn, for a caller who speaks first.</summary>
    public Task StartSpeakingAsync(CancellationToken cancellationToken) => SendAsync("""{"type":"response.create"}""", cancellationToken);

    /// <summary>
    /// The caller has had its turns: from now on its session still hears and transcribes the agent but answers no more
    /// (server VAD's <c>create_response</c> off).
    /// </summary>
    public Task StopRespondingAsync(CancellationToken cancellationToken) => SendAsync(
        """
        {"type":"session.update","session":{"type":"realtime","audio":{"input":{"turn_detection":{"type":"server_vad","threshold":0.5,"prefix_padding_ms":300,"silence_duration_ms":500,"create_response":false,"interrupt_response":true}}}}}
        """,
        cancellationToken);

    /// <summary>One frame of what the caller hears (the agent's audio, or silence).</summary>
    public Task HearAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) =>
        SendAsync($$"""{"type":"input_audio_buffer.append","audio":"{{Convert.ToBase64String(frame.Span)}}"}""", cancellationToken);

    /// <summary>Fills <paramref name="frame"/> with the caller's next audio, silence where there is none; returns the caller bytes.</summary>
    public int TakeSpeech(Span<byte> frame)
    {
        lock (_gate)
        {
            var count = Math.Min(frame.Length, _outgoingEnd - _outgoingStart);
            _outgoing.AsSpan(_outgoingStart, count).CopyTo(frame);
            frame[count..].Fill(0xFF); // μ-law silence
            _outgoingStart += count;
            _speakingItemSentBytes += count;
            return count;
        }
    }

    /// <summary>The turns so far, in the order of the conversation; a turn whose text never came shows as such.</summary>
    public IReadOnlyList<TranscriptTurn> Transcript()
    {
        lock (_gate)
        {
            return [.. _turns.Select(turn => new TranscriptTurn(
                turn.Speaker,
                turn.Text ?? (turn.Speaker == Speaker.Agent ? "(not transcribed)" : "(no transcript)"),
                turn.At,
                turn.Interrupted))
                .Where(turn => turn.Text.Length > 0)];
        }
    }

    /// <summary>Waits (a bounded time) for transcriptions of the agent's audio still being made.</summary>
    public async Task WaitForTranscriptsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task transcribed;
        lock (_gate)
        {
            if (_turns.All(turn => turn.Text is not null))
            {
                return;
            }

            _transcribed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            transcribed = _transcribed.Task;
        }

        try
        {
            await Task.WhenAny(transcribed, _closed.Task).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // What never came shows as "(not transcribed)".
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(s_closeTimeout);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call ended", timeout.Token);
                await _receiveLoop.WaitAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        _socket.Abort();
        await _stopping.CancelAsync();
        try
        {
            await _receiveLoop;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        _ready.TrySetException(new WebSocketException("The caller's Realtime session closed before it was configured."));
        _socket.Dispose();
        _stopping.Dispose();
        _sendLock.Dispose();
    }

    private string SessionUpdate()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "session.update");
            json.WriteStartObject("session");
            json.WriteString("type", "realtime");
            json.WriteStartArray("output_modalities");
            json.WriteStringValue("audio");
            json.WriteEndArray();
            json.WriteString("instructions", _settings.Instructions);
            json.WriteStartObject("audio");
            json.WriteStartObject("input");
            json.WriteStartObject("format");
            json.WriteString("type", "audio/pcmu");
            json.WriteEndObject();
            json.WriteStartObject("transcription");
            json.WriteString("model", _settings.TranscriptionModel);
            json.WriteEndObject();
            json.WriteStartObject("turn_detection");
            json.WriteString("type", "server_vad");
            json.WriteNumber("threshold", 0.5);
            json.WriteNumber("prefix_padding_ms", 300);
            json.WriteNumber("silence_duration_ms", 500);
            json.WriteBoolean("create_response", true);
            json.WriteBoolean("interrupt_response", true);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartObject("output");
            json.WriteStartObject("format");
            json.WriteString("type", "audio/pcmu");
            json.WriteEndObject();
            json.WriteString("voice", _settings.Voice);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartArray("tools");
            json.WriteStartObject();
            json.WriteString("type", "function");
            json.WriteString("name", CallerInstructions.EndCallTool);
            json.WriteString("description", "Hang up the phone, after saying goodbye.");
            json.WriteStartObject("parameters");
            json.WriteString("type", "object");
            json.WriteStartObject("properties");
            json.WriteEndObject();
            json.WriteBoolean("additionalProperties", false);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteString("tool_choice", "auto");
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private async Task SendAsync(string json, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        var reason = "the caller's Realtime session closed";
        try
        {
            while (true)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.GetMemory(16 * 1024), _stopping.Token);
                    buffer.Advance(result.Count);
                    if (buffer.WrittenCount > MaxEventBytes)
                    {
                        reason = "the caller's Realtime session sent an event larger than 16 MiB";
                        return;
                    }
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    reason = $"the caller's Realtime session closed: {(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}".TrimEnd();
                    return;
                }

                if (await HandleAsync(buffer.WrittenMemory) is { } malformed)
                {
                    reason = malformed;
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or JsonException or ObjectDisposedException)
        {
            reason = ex is JsonException ? "the caller's Realtime session sent an event that is not JSON" : $"the caller's Realtime session failed: {ex.Message}";
        }
        finally
        {
            _ready.TrySetException(new WebSocketException(reason));
            _closed.TrySetResult(reason);
        }
    }

    /// <summary>Acts on one server event; returns why the session cannot go on when the event is malformed.</summary>
    private async Task<string?> HandleAsync(ReadOnlyMemory<byte> utf8Json)
    {
        using var document = JsonDocument.Parse(utf8Json);
        var root = document.RootElement;
        var type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var typeElement) && typeElement.ValueKind == JsonValueKind.String
            ? typeElement.GetString()
            : null;
        if (type is null)
        {
            // Like any event this client has no use for, it is skipped.
            return null;
        }

        try
        {
            await DispatchAsync(root, type);
            return null;
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // A field this client relies on is missing or of the wrong type: the session cannot be followed any further.
            return $"the caller's Realtime session sent a malformed {(type.Length > 64 ? type[..64] : type)} event";
        }
    }

    private async Task DispatchAsync(JsonElement root, string type)
    {
        switch (type)
        {
            case "session.updated":
                _ready.TrySetResult();
                break;
            case "error":
                var message = root.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var text) ? text.GetString() : null;
                lock (_gate)
                {
                    _errors.Add(message ?? "(no message)");
                }

                // Before the session is configured, an error is the answer to our session.update.
                _ready.TrySetException(new InvalidOperationException($"the caller's Realtime session refused its configuration: {message}"));
                break;
            case "response.created":
                _responding = true;
                break;
            case "response.output_item.added":
                OnItemAdded(root.GetProperty("item"));
                break;
            case "response.output_audio.delta":
                OnAudio(root.GetProperty("response_id").GetString()!, root.GetProperty("item_id").GetString()!, root.GetProperty("delta").GetBytesFromBase64());
                break;
            case "response.output_audio_transcript.done":
                SetText(root.GetProperty("item_id").GetString()!, root.GetProperty("transcript").GetString() ?? string.Empty);
                break;
            case "response.output_item.done":
                var item = root.GetProperty("item");
                if (item.GetProperty("type").GetString() == "function_call"
                    && item.TryGetProperty("name", out var name) && name.GetString() == CallerInstructions.EndCallTool)
                {
                    _hangUpRequested = true;
                }

                break;
            case "response.done":
                OnResponseDone(root.GetProperty("response"));
                break;
            case "input_audio_buffer.speech_started":
                await OnAgentSpeechStartedAsync();
                break;
            case "input_audio_buffer.committed":
                lock (_gate)
                {
                    _turns.Add(new TurnEntry(root.GetProperty("item_id").GetString()!, Speaker.Agent, _clock()));
                }

                break;
            case "conversation.item.input_audio_transcription.completed":
                SetText(root.GetProperty("item_id").GetString()!, root.GetProperty("transcript").GetString() ?? string.Empty);
                break;
            case "conversation.item.input_audio_transcription.failed":
                SetText(root.GetProperty("item_id").GetString()!, "(not transcribed)");
                break;
            default:
                break;
        }
    }

    private void OnItemAdded(JsonElement item)
    {
        if (item.GetProperty("type").GetString() != "message")
        {
            return;
        }

        lock (_gate)
        {
            _turns.Add(new TurnEntry(item.GetProperty("id").GetString()!, Speaker.Caller, _clock()));
        }
    }

    private void OnAudio(string responseId, string itemId, byte[] audio)
    {
        lock (_gate)
        {
            _audioResponses.Add(responseId);
            if (_speakingItemId != itemId)
            {
                _speakingItemId = itemId;
                _speakingItemSentBytes = 0;
            }

            if (_outgoingStart > 0)
            {
                // Keep the unsent audio at the front: the buffer only grows for a turn longer than any before.
                _outgoing.AsSpan(_outgoingStart, _outgoingEnd - _outgoingStart).CopyTo(_outgoing);
                _outgoingEnd -= _outgoingStart;
                _outgoingStart = 0;
            }

            if (_outgoingEnd + audio.Length > _outgoing.Length)
            {
                Array.Resize(ref _outgoing, Math.Max(_outgoing.Length * 2, _outgoingEnd + audio.Length));
            }

            audio.CopyTo(_outgoing, _outgoingEnd);
            _outgoingEnd += audio.Length;
        }
    }

    private void OnResponseDone(JsonElement response)
    {
        _responding = false;
        var id = response.GetProperty("id").GetString()!;
        lock (_gate)
        {
            if (_audioResponses.Remove(id))
            {
                _completedTurns++;
            }
        }
    }

    /// <summary>The agent talks over the caller: the caller stops, and its item is cut where the agent stopped hearing it.</summary>
    private async Task OnAgentSpeechStartedAsync()
    {
        string? itemId;
        long heardMs;
        lock (_gate)
        {
            if (_outgoingEnd == _outgoingStart || _speakingItemId is null)
            {
                return;
            }

            _outgoingStart = _outgoingEnd = 0;
            itemId = _speakingItemId;
            heardMs = _speakingItemSentBytes / BytesPerMillisecond;
            _turns.Find(turn => turn.ItemId == itemId)?.MarkInterrupted();
        }

        try
        {
            await SendAsync(
                $$"""{"type":"conversation.item.truncate","item_id":"{{itemId}}","content_index":0,"audio_end_ms":{{heardMs}}}""",
                _stopping.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private void SetText(string itemId, string text)
    {
        lock (_gate)
        {
            _turns.Find(turn => turn.ItemId == itemId)?.SetText(text.Trim());
            if (_transcribed is not null && _turns.All(turn => turn.Text is not null))
            {
                _transcribed.TrySetResult();
            }
        }
    }

    private sealed class TurnEntry(string itemId, Speaker speaker, TimeSpan at)
    {
        public string ItemId { get; } = itemId;

        public Speaker Speaker { get; } = speaker;

        public TimeSpan At { get; } = at;

        public string? Text { get; private set; }

        public bool Interrupted { get; private set; }

        public void SetText(string text) => Text = text;

        public void MarkInterrupted() => Interrupted = true;
    }
}
