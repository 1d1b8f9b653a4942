using System.Net.WebSockets;
using System.Threading.Channels;

namespace VoiceServer.TwilioEmulator;

/// <summary>
/// Acts as Twilio on a <c>&lt;Connect&gt;&lt;Stream&gt;</c> call: a WebSocket client that sends the messages of
/// docs/reference/twilio-media-streams.md §3 with their exact shapes, validates every server message strictly against §4, and
/// returns marks the way Twilio does (§4.4). Violations and background failures are rethrown by
/// <see cref="DisposeAsync"/>.
/// </summary>
public sealed partial class FakeTwilioCaller : IAsyncDisposable
{
    // μ-law at 8 kHz: 8 bytes per millisecond.
    private const int BytesPerMillisecond = 8;

    private readonly ClientWebSocket _socket;
    private readonly FakeTwilioCallerOptions _options;
    private readonly TimeProvider _time;
    private readonly long _upgradedAt;
    private readonly object _gate = new();
    private readonly AsyncWaiters _waiters;
    private readonly FailureLog _failures = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)> _closed =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly Channel<MarkReturn> _markReturns = Channel.CreateUnbounded<MarkReturn>(
        new UnboundedChannelOptions { SingleReader = true });

    private readonly List<TwilioOutboundMessage> _messages = [];
    private readonly List<ReturnedMark> _returnedMarks = [];
    private readonly MemoryStream _receivedAudio = new();
    private Task _receiveLoop = Task.CompletedTask;
    private Task _markLoop = Task.CompletedTask;
    private int _clearCount;
    private int _marksReceived;
    private bool _disposed;

    private FakeTwilioCaller(ClientWebSocket socket, FakeTwilioCallerOptions options, TimeSpan connectDuration)
    {
        _socket = socket;
        _options = options;
        _time = options.TimeProvider;
        _upgradedAt = _time.GetTimestamp();
        _waiters = new AsyncWaiters(_gate);
        ConnectDuration = connectDuration;
        _mediaTimestampMs = options.FirstMediaTimestampMs;
    }

    public string StreamSid => _options.StreamSid;

    public string CallSid => _options.CallSid;

    public string AccountSid => _options.AccountSid;

    public MarkMode MarkMode => _options.MarkMode;

    public WebSocketState State => _socket.State;

    /// <summary>From the start of the upgrade request to the 101 answer.</summary>
    public TimeSpan ConnectDuration { get; }

    /// <summary>Time since the upgrade completed, on the caller's TimeProvider.</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(_upgradedAt);

    /// <summary>Every valid message the server sent, in order.</summary>
    public IReadOnlyList<TwilioOutboundMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>Decoded concatenation of every <c>media.payload</c> received (a snapshot).</summary>
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

    public int ClearCount
    {
        get
        {
            lock (_gate)
            {
                return _clearCount;
            }
        }
    }

    /// <summary>Number of <c>mark</c> messages the server sent.</summary>
    public int MarksReceived
    {
        get
        {
            lock (_gate)
            {
                return _marksReceived;
            }
        }
    }

    /// <summary>Marks sent back so far, in order.</summary>
    public IReadOnlyList<ReturnedMark> ReturnedMarks
    {
        get
        {
            lock (_gate)
            {
                return [.. _returnedMarks];
            }
        }
    }

    /// <summary>Protocol violations detected so far (also rethrown by DisposeAsync).</summary>
    public IReadOnlyList<string> Violations => _failures.Messages;

    /// <summary>The server closed the socket, or the connection dropped (Status null).</summary>
    public Task<(WebSocketCloseStatus? Status, string? Description)> WaitForCloseAsync(CancellationToken cancellationToken = default) =>
        _closed.Task.WaitAsync(cancellationToken);

    public Task WaitForAudioBytesAsync(int count, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(() => (_receivedAudio.Length >= count, true), $"{count} bytes of agent audio", cancellationToken);

    /// <summary>The first message, already received or still to come, that matches.</summary>
    public Task<TwilioOutboundMessage> WaitForMessageAsync(Func<TwilioOutboundMessage, bool> predicate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return _waiters.WaitAsync(
            () =>
            {
                var match = _messages.Find(m => predicate(m));
                return (match is not null, match!);
            },
            "a matching server message",
            cancellationToken);
    }

    public Task WaitForClearAsync(CancellationToken cancellationToken = default) => WaitForClearAsync(1, cancellationToken);

    public Task WaitForClearAsync(int count, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(() => (_clearCount >= count, true), $"{count} clear message(s)", cancellationToken);

    /// <summary>Until at least <paramref name="count"/> marks are waiting to be returned (useful in Manual mode).</summary>
    public Task WaitForPendingMarksAsync(int count, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(() => (_pendingMarks.Count >= count, true), $"{count} pending mark(s)", cancellationToken);

    /// <summary>Until at least <paramref name="count"/> marks have been sent back.</summary>
    public Task WaitForReturnedMarksAsync(int count, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(() => (_returnedMarks.Count >= count, true), $"{count} returned mark(s)", cancellationToken);

    /// <summary>Closes the socket from Twilio's side and waits for the server's close frame.</summary>
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

        await WaitForCloseAsync(cancellationToken);
    }

    /// <summary>Drops the connection without a close frame (a network failure).</summary>
    public void Abort() => _socket.Abort();

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // Bounded graceful close: a server that never answers must not hang the test; it is aborted instead.
        using (var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    await CloseAsync(WebSocketCloseStatus.NormalClosure, "caller disposed", closeTimeout.Token);
                }
            }
            catch (Exception ex) when (WebSocketIo.IsConnectionEnded(ex))
            {
            }
        }

        _socket.Abort();
        await _stopping.CancelAsync();
        await IgnoreEndingAsync(_receiveLoop);
        _markReturns.Writer.TryComplete();
        await IgnoreEndingAsync(_markLoop);
        lock (_gate)
        {
            _playbackTimer?.Dispose();
            _playbackTimer = null;
        }

        _socket.Dispose();
        _stopping.Dispose();
        _failures.ThrowIfAny(nameof(FakeTwilioCaller));
    }

    private static async Task IgnoreEndingAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (WebSocketIo.IsConnectionEnded(ex))
        {
        }
    }

    private void Start()
    {
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _markLoop = Task.Run(MarkLoopAsync);
    }
}
