using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VoiceServer.RealtimeEmulator.Session;

namespace VoiceServer.RealtimeEmulator;

/// <summary>
/// Runs one accepted socket: a receive loop that assembles text messages into a bounded queue, and a session
/// loop that handles them and interleaves response chunks. The session loop is the socket's only writer.
/// </summary>
internal sealed partial class RealtimeConnection : IRealtimeEventSink
{
    /// <summary>The largest client message accepted; a bigger one closes the socket with 1009.</summary>
    internal const int MaxMessageBytes = 1024 * 1024;

    // 16 KiB holds a typical append (a few hundred ms of base64 μ-law) without growing.
    private const int InitialReceiveBufferBytes = 16 * 1024;

    // Enough to absorb a burst of 20 ms appends; beyond it the receive loop waits (back-pressure on the client).
    private const int InboundQueueCapacity = 64;

    private readonly WebSocket _socket;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly RealtimeEmulatorOptions _options;
    private readonly Channel<InboundMessage> _inbound = Channel.CreateBounded<InboundMessage>(
        new BoundedChannelOptions(InboundQueueCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private CloseRequest? _closeRequest;

    public RealtimeConnection(WebSocket socket, ILogger logger, TimeProvider timeProvider, RealtimeEmulatorOptions options)
    {
        _socket = socket;
        _logger = logger;
        _timeProvider = timeProvider;
        _options = options;
    }

    /// <param name="session">The protocol state machine to drive.</param>
    /// <param name="serverStopping">Fires when the host shuts down: the session is closed with 1001.</param>
    /// <param name="cancellationToken">The request's abort token.</param>
    public async Task<ConnectionEnd> RunAsync(RealtimeSession session, CancellationToken serverStopping, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var expiry = new CancellationTokenSource(_options.MaxSessionDuration, _timeProvider);
        var expiredReason = string.Create(
            CultureInfo.InvariantCulture,
            $"Your session hit the maximum duration of {_options.MaxSessionDuration.TotalMinutes:0} minutes.");
        using var expiryRegistration = expiry.Token.Register(() => RequestClose(
            new CloseRequest(ConnectionEnd.SessionExpired, WebSocketCloseStatus.EndpointUnavailable, expiredReason)));

        using var stoppingRegistration = serverStopping.Register(() => RequestClose(
            new CloseRequest(ConnectionEnd.ServerStopping, WebSocketCloseStatus.EndpointUnavailable, "Server shutting down.")));

        var receiveTask = ReceiveLoopAsync(stop.Token);
        try
        {
            await SessionLoopAsync(session, stop.Token);
            return await CloseAsync(receiveTask, stop.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ChannelClosedException)
        {
            Log.ConnectionAborted(_logger, ex);
            return ConnectionEnd.Aborted;
        }
        finally
        {
            await stop.CancelAsync();
            await receiveTask;
            while (_inbound.Reader.TryRead(out var leftover))
            {
                leftover.Return();
            }
        }
    }

    ValueTask IRealtimeEventSink.SendAsync(ReadOnlyMemory<byte> utf8Json, CancellationToken cancellationToken) =>
        _socket.SendAsync(utf8Json, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    private async Task SessionLoopAsync(RealtimeSession session, CancellationToken cancellationToken)
    {
        await session.StartAsync(cancellationToken);
        var reader = _inbound.Reader;
        Task<bool>? waitForMessage = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Client events first: a cancel or a barge-in must land before the next chunk of a response.
            if (reader.TryRead(out var message))
            {
                try
                {
                    await session.HandleMessageAsync(message.Memory, cancellationToken);
                }
                finally
                {
                    message.Return();
                }

                continue;
            }

            if (reader.Completion.IsCompleted)
            {
                return;
            }

            waitForMessage ??= reader.WaitToReadAsync(cancellationToken).AsTask();
            if (session.HasActiveResponse)
            {
                var delay = session.GetResponseChunkDelay();
                if (delay <= TimeSpan.Zero)
                {
                    await session.SendNextResponseChunkAsync(cancellationToken);

                    // Let the receive loop queue whatever the client sent meanwhile.
                    await Task.Yield();
                    continue;
                }

                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var due = Task.Delay(delay, _timeProvider, timer.Token);
                if (await Task.WhenAny(waitForMessage, due) == due)
                {
                    continue;
                }

                await timer.CancelAsync();
            }

            await waitForMessage;
            waitForMessage = null;
        }
    }

    private async Task<ConnectionEnd> CloseAsync(Task<ConnectionEnd> receiveTask, CancellationToken cancellationToken)
    {
        var request = Volatile.Read(ref _closeRequest);
        if (request is not null && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _socket.CloseOutputAsync(request.Status, request.Description, cancellationToken);
        }
        else if (_socket.State == WebSocketState.CloseReceived)
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
        }

        // Give the client a bounded time to complete the close handshake, then drop the connection.
        using var timeout = new CancellationTokenSource(_options.CloseTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            var receiveEnd = await receiveTask.WaitAsync(linked.Token);
            return request?.End ?? receiveEnd;
        }
        catch (OperationCanceledException)
        {
            _socket.Abort();
            return request?.End ?? ConnectionEnd.Aborted;
        }
    }

    private async Task<ConnectionEnd> ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            var end = await ReceiveMessagesAsync(cancellationToken);
            if (end is ConnectionEnd.MessageTooBig or ConnectionEnd.BinaryFrame)
            {
                // Keep reading (and discarding) so the client's close frame is seen and the handshake completes.
                await DrainUntilCloseAsync(cancellationToken);
            }

            return end;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ChannelClosedException)
        {
            _inbound.Writer.TryComplete();
            return ConnectionEnd.Aborted;
        }
    }

    private async Task<ConnectionEnd> ReceiveMessagesAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Wait for data without holding a buffer: an idle connection costs nothing.
            var header = await _socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
            if (header.MessageType == WebSocketMessageType.Close)
            {
                _inbound.Writer.TryComplete();
                return ConnectionEnd.ClientClosed;
            }

            if (header.MessageType == WebSocketMessageType.Binary)
            {
                Log.BinaryFrameRejected(_logger);
                RequestClose(new CloseRequest(ConnectionEnd.BinaryFrame, WebSocketCloseStatus.InvalidMessageType, "Binary frames are not supported; send JSON text."));
                return ConnectionEnd.BinaryFrame;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBufferBytes);
            var length = 0;
            var endOfMessage = header.EndOfMessage;
            while (!endOfMessage)
            {
                if (length == buffer.Length)
                {
                    if (length > MaxMessageBytes)
                    {
                        break;
                    }

                    var grown = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxMessageBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = grown;
                }

                // Read at most one byte past the limit: enough to know the message is too big.
                var room = Math.Min(buffer.Length, MaxMessageBytes + 1) - length;
                var result = await _socket.ReceiveAsync(buffer.AsMemory(length, room), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    _inbound.Writer.TryComplete();
                    return ConnectionEnd.ClientClosed;
                }

                length += result.Count;
                endOfMessage = result.EndOfMessage;
                if (length > MaxMessageBytes)
                {
                    break;
                }
            }

            if (length > MaxMessageBytes)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                Log.MessageTooBig(_logger, MaxMessageBytes);
                RequestClose(new CloseRequest(ConnectionEnd.MessageTooBig, WebSocketCloseStatus.MessageTooBig, "Message too big."));
                return ConnectionEnd.MessageTooBig;
            }

            try
            {
                await _inbound.Writer.WriteAsync(new InboundMessage(buffer, length), cancellationToken);
            }
            catch
            {
                // The queue was completed (server closing) or the wait cancelled: the message is dropped.
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }
    }

    private async Task DrainUntilCloseAsync(CancellationToken cancellationToken)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(InitialReceiveBufferBytes);
        try
        {
            while ((await _socket.ReceiveAsync(scratch.AsMemory(), cancellationToken)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Records why the server closes (the first reason wins) and lets the session loop finish.</summary>
    private void RequestClose(CloseRequest request)
    {
        Interlocked.CompareExchange(ref _closeRequest, request, null);
        _inbound.Writer.TryComplete();
    }

    private sealed record CloseRequest(ConnectionEnd End, WebSocketCloseStatus Status, string Description);

    /// <summary>A complete client text message in a pooled buffer.</summary>
    private readonly record struct InboundMessage(byte[] Buffer, int Length)
    {
        public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

        public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Closing with 1009: a client message exceeded {MaxBytes} bytes")]
        public static partial void MessageTooBig(ILogger logger, int maxBytes);

        [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Closing with 1003: the client sent a binary frame")]
        public static partial void BinaryFrameRejected(ILogger logger);

        [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "Connection ended abruptly")]
        public static partial void ConnectionAborted(ILogger logger, Exception exception);
    }
}
