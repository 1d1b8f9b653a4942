using System.Buffers;
using System.Net.WebSockets;
using VoiceServer.Legs;

namespace VoiceServer.WebSockets;

/// <summary>
/// The socket plumbing both legs share: a receive loop assembling whole messages, a single-writer send loop, a
/// bounded close, and release of every pooled buffer. The legs add only their protocol.
/// </summary>
public sealed class WebSocketConnection : IAsyncDisposable
{
    private readonly WebSocket _socket;
    private readonly WebSocketMessageReader _reader;
    private readonly TaskCompletionSource _sendLoopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _receiving;

    private readonly MessageRateLimit? _rateLimit;

    /// <param name="socket">The accepted or connected socket.</param>
    /// <param name="maxMessageBytes">Larger messages end the receive loop (1009).</param>
    /// <param name="outboundCapacity">Messages queued before the peer counts as too slow.</param>
    /// <param name="rateLimit">The peer's inbound message budget, if any.</param>
    /// <param name="acceptsBinary">Binary messages go to the binary handler instead of ending the receive loop.</param>
    public WebSocketConnection(WebSocket socket, int maxMessageBytes, int outboundCapacity, MessageRateLimit? rateLimit = null, bool acceptsBinary = false)
    {
        _socket = socket;
        _rateLimit = rateLimit;
        _reader = new WebSocketMessageReader(maxMessageBytes) { AcceptsBinary = acceptsBinary };
        Outbound = new OutboundChannel(outboundCapacity);
    }

    /// <summary>Where the leg queues what it sends; only the send loop writes to the socket.</summary>
    public OutboundChannel Outbound { get; }

    /// <summary>Receives until the socket ends, handing each text message to <paramref name="handle"/>.</summary>
    public Task<LegCompletion> RunReceiveLoopAsync<TState>(TState state, MessageHandler<TState> handle, CancellationToken cancellationToken) =>
        RunReceiveLoopAsync(state, handle, handle, cancellationToken);

    /// <summary>
    /// Receives until the socket ends, handing each text message to <paramref name="handleText"/> and, when the
    /// connection accepts binary messages, each binary one to <paramref name="handleBinary"/>.
    /// </summary>
    public async Task<LegCompletion> RunReceiveLoopAsync<TState>(
        TState state, MessageHandler<TState> handleText, MessageHandler<TState> handleBinary, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _receiving, 1);
        try
        {
            while (true)
            {
                var received = await _reader.ReceiveAsync(_socket, cancellationToken);
                if (received.Completion is { } completion)
                {
                    return completion;
                }

                if (_rateLimit is not null && !_rateLimit.TryTake())
                {
                    return new LegCompletion(LegCompletionKind.RateLimited);
                }

                var handle = received.IsBinary ? handleBinary : handleText;
                handle(state, _reader.Message(received.Length), _reader.Scratch(received.Length));
            }
        }
        finally
        {
            Volatile.Write(ref _receiving, 0);
        }
    }

    public async Task RunSendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Outbound.RunSendLoopAsync(_socket, cancellationToken);
        }
        finally
        {
            _sendLoopDone.TrySetResult();
        }
    }

    /// <summary>What is already queued goes out first, then the close frame; both bounded by the token.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        Outbound.Complete();
        await Task.WhenAny(_sendLoopDone.Task, Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken));
        await WebSocketClosing.CloseOutputAsync(_socket, status, description, cancellationToken);
        if (Volatile.Read(ref _receiving) == 0)
        {
            await DrainUntilCloseAsync(cancellationToken);
        }
    }

    public ValueTask DisposeAsync()
    {
        Outbound.Complete();
        _socket.Abort();
        _socket.Dispose();
        _reader.Dispose();

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The receive loop already stopped (a binary or oversized message ended it): read and discard until the peer's
    /// close frame, so the peer sees a complete handshake and our close code rather than a reset.
    /// </summary>
    private async Task DrainUntilCloseAsync(CancellationToken cancellationToken)
    {
        var discard = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (_socket.State == WebSocketState.CloseSent)
            {
                var result = await _socket.ReceiveAsync(discard.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // Bounded by the close timeout; the socket is aborted next anyway.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(discard);
        }
    }
}
