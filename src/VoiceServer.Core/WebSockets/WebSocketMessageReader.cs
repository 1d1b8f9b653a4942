using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using VoiceServer.Legs;

namespace VoiceServer.WebSockets;

/// <summary>
/// Assembles WebSocket frames into whole text messages in a pooled buffer, up to a maximum size. Binary messages
/// end the receive loop unless the protocol carries them (<see cref="AcceptsBinary"/>: Vonage's audio).
/// </summary>
/// <remarks>
/// A call's socket spends nearly all its life waiting for the next 20 ms frame, so the reader waits with a
/// zero-byte receive and rents its buffer only once a frame has arrived; the buffer goes back to the pool when the
/// next receive starts. Between messages it holds nothing, which at hundreds of live calls is two buffers a call.
/// </remarks>
public sealed class WebSocketMessageReader : IDisposable
{
    // Holds a Twilio frame (~400 bytes) with room for its scratch, or a typical 100 ms model delta (~1.3 KB).
    // A larger message grows the rental to the limit, and the next rental starts at the size it grew to (at most
    // MaxLearnedRentBytes).
    private const int InitialBufferBytes = 4 * 1024;

    // What a larger message teaches the next rentals, at most: one rare huge message (a long prompt echoed back)
    // must not make every later 20 ms frame rent megabytes.
    private const int MaxLearnedRentBytes = 64 * 1024;

    private readonly int _maxMessageBytes;
    private int _rentBytes;
    private byte[] _buffer = [];
    private byte[] _scratch = [];

    public WebSocketMessageReader(int maxMessageBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, 1);
        _maxMessageBytes = maxMessageBytes;
        _rentBytes = Math.Min(InitialBufferBytes, maxMessageBytes + 1);
    }

    /// <summary>Binary messages are assembled like text ones instead of ending the loop.</summary>
    public bool AcceptsBinary { get; init; }

    /// <summary>How many pooled bytes the reader holds now (nothing while it waits for a message).</summary>
    public int HeldBytes => _buffer.Length + _scratch.Length;

    /// <summary>The bytes of the last message; valid until the next receive.</summary>
    public Span<byte> Message(int length) => _buffer.AsSpan(0, length);

    /// <summary>
    /// Room to undo the last message's JSON escapes into, at least <paramref name="length"/> bytes; valid until the
    /// next receive. Usually the unused end of the message's own buffer.
    /// </summary>
    public Span<byte> Scratch(int length)
    {
        if (_buffer.Length - length >= length)
        {
            return _buffer.AsSpan(length);
        }

        if (_scratch.Length < length)
        {
            ReturnToPool(ref _scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(length);
        }

        return _scratch;
    }

    /// <summary>
    /// Receives one whole text message, or reports how the socket ended. Cancellation and premature closes are
    /// returned as completions, not thrown.
    /// </summary>
    // Called once per message: the pooling builder reuses the state machine instead of allocating one per frame.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReceivedMessage> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        ReturnToPool(ref _buffer);
        ReturnToPool(ref _scratch);
        try
        {
            // Completes when a frame's header has arrived, without taking any of its payload.
            var result = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new(new LegCompletion(LegCompletionKind.ClosedByPeer, socket.CloseStatus, socket.CloseStatusDescription), 0);
            }

            if (result.MessageType == WebSocketMessageType.Binary && !AcceptsBinary)
            {
                return new(new LegCompletion(LegCompletionKind.BinaryMessage), 0);
            }

            var messageType = result.MessageType;
            _buffer = ArrayPool<byte>.Shared.Rent(_rentBytes);
            var count = 0;
            while (!result.EndOfMessage)
            {
                if (count == _buffer.Length)
                {
                    if (count > _maxMessageBytes)
                    {
                        return new(new LegCompletion(LegCompletionKind.MessageTooBig), 0);
                    }

                    Grow();
                }

                result = await socket.ReceiveAsync(_buffer.AsMemory(count), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new(new LegCompletion(LegCompletionKind.ClosedByPeer, socket.CloseStatus, socket.CloseStatusDescription), 0);
                }

                count += result.Count;
                if (count > _maxMessageBytes)
                {
                    return new(new LegCompletion(LegCompletionKind.MessageTooBig), 0);
                }
            }

            return result.MessageType == WebSocketMessageType.Binary && !AcceptsBinary
                ? new(new LegCompletion(LegCompletionKind.BinaryMessage), 0)
                : new(null, count, messageType == WebSocketMessageType.Binary);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new(new LegCompletion(LegCompletionKind.Cancelled), 0);
        }
        catch (WebSocketException)
        {
            return new(new LegCompletion(LegCompletionKind.ConnectionLost), 0);
        }
        catch (IOException)
        {
            return new(new LegCompletion(LegCompletionKind.ConnectionLost), 0);
        }
        catch (ObjectDisposedException)
        {
            return new(new LegCompletion(LegCompletionKind.ConnectionLost), 0);
        }
    }

    /// <summary>Call once the receive loop has ended: returns whatever the last message held.</summary>
    public void Dispose()
    {
        ReturnToPool(ref _buffer);
        ReturnToPool(ref _scratch);
    }

    private void Grow()
    {
        // One byte past the limit lets a too-big message be detected without reading it all.
        var next = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _maxMessageBytes + 1));
        _buffer.AsSpan().CopyTo(next);
        ReturnToPool(ref _buffer);
        _buffer = next;
        _rentBytes = Math.Max(_rentBytes, Math.Min(next.Length, Math.Min(_maxMessageBytes + 1, MaxLearnedRentBytes)));
    }

    // Only the receive loop touches the buffers, and Dispose runs after it has ended.
    private static void ReturnToPool(ref byte[] buffer)
    {
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = [];
        }
    }
}
