using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using VoiceServer.Legs;

namespace VoiceServer.WebSockets;

/// <summary>What one <see cref="WebSocketMessageReader.ReceiveAsync"/> produced.</summary>
public readonly record struct ReceivedMessage(LegCompletion? Completion, int Length)
{
    public bool IsMessage => Completion is null;
}

/// <summary>
/// Assembles WebSocket frames into whole text messages in one reusable pooled buffer, up to a maximum size.
/// </summary>
/// <remarks>
/// Call sockets are never idle (Twilio sends 50 frames a second), so the buffer is kept for the call instead of
/// renting after a zero-byte read as idle-heavy servers do.
/// </remarks>
public sealed class WebSocketMessageReader : IDisposable
{
    // Holds a Twilio frame (~400 bytes) or a typical 100 ms model delta (~1.3 KB) without growing; grows to the
    // limit on demand (and keeps what it grew to). Small, because it lives as long as the call: two per call.
    private const int InitialBufferBytes = 4 * 1024;

    private readonly int _maxMessageBytes;
    private byte[] _buffer;

    public WebSocketMessageReader(int maxMessageBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, 1);
        _maxMessageBytes = maxMessageBytes;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferBytes, maxMessageBytes + 1));
    }

    /// <summary>The bytes of the last message; valid until the next receive.</summary>
    public Span<byte> Message(int length) => _buffer.AsSpan(0, length);

    /// <summary>
    /// Receives one whole text message, or reports how the socket ended. Cancellation and premature closes are
    /// returned as completions, not thrown.
    /// </summary>
    // Called once per message: the pooling builder reuses the state machine instead of allocating one per frame.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReceivedMessage> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            var count = 0;
            ValueWebSocketReceiveResult result;
            do
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
            while (!result.EndOfMessage);

            return result.MessageType == WebSocketMessageType.Binary
                ? new(new LegCompletion(LegCompletionKind.BinaryMessage), 0)
                : new(null, count);
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

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow()
    {
        // One byte past the limit lets a too-big message be detected without reading it all.
        var next = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _maxMessageBytes + 1));
        _buffer.AsSpan().CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }
}
