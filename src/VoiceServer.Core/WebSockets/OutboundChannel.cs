using System.Net.WebSockets;
using System.Threading.Channels;

namespace VoiceServer.WebSockets;

/// <summary>
/// The single writer of one socket: messages are copied into pooled buffers, queued, and sent in order by one loop.
/// Enqueueing never blocks, so a slow peer cannot stall the other direction; a full queue is reported instead.
/// </summary>
public sealed class OutboundChannel
{
    private readonly Channel<OutboundMessage> _channel;

    public OutboundChannel(int capacity)
    {
        _channel = Channel.CreateBounded<OutboundMessage>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Queues the concatenation of up to three parts as one text message. False when full or completed.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default, ReadOnlySpan<byte> third = default)
    {
        var length = first.Length + second.Length + third.Length;
        var buffer = MessageBufferPool.Instance.Rent(length);
        first.CopyTo(buffer);
        second.CopyTo(buffer.AsSpan(first.Length));
        third.CopyTo(buffer.AsSpan(first.Length + second.Length));
        if (_channel.Writer.TryWrite(new OutboundMessage(buffer, length, WebSocketMessageType.Text)))
        {
            return true;
        }

        MessageBufferPool.Instance.Return(buffer);
        return false;
    }

    /// <summary>Queues <paramref name="payload"/> as one binary message. False when full or completed.</summary>
    public bool TryEnqueueBinary(ReadOnlySpan<byte> payload)
    {
        var buffer = MessageBufferPool.Instance.Rent(payload.Length);
        payload.CopyTo(buffer);
        if (_channel.Writer.TryWrite(new OutboundMessage(buffer, payload.Length, WebSocketMessageType.Binary)))
        {
            return true;
        }

        MessageBufferPool.Instance.Return(buffer);
        return false;
    }

    /// <summary>No more messages: the send loop finishes once the queue is drained.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>
    /// Sends queued messages until the queue is completed and drained, the socket fails or the token is cancelled.
    /// Never throws: a failed send ends the loop and the receive side reports the lost connection.
    /// </summary>
    public async Task RunSendLoopAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        // The wait takes no token: a bounded channel then reuses one waiter for the life of the loop, where a
        // cancellable wait allocates a new one every time the queue runs dry (twice per relayed frame). Cancellation
        // completes the queue instead, and the send below, which does take the token, ends the loop.
        using var cancellation = cancellationToken.Register(static writer => ((ChannelWriter<OutboundMessage>)writer!).TryComplete(), _channel.Writer);
        try
        {
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                while (reader.TryRead(out var message))
                {
                    try
                    {
                        await socket.SendAsync(message.Buffer.AsMemory(0, message.Length), message.Type, endOfMessage: true, cancellationToken);
                    }
                    finally
                    {
                        MessageBufferPool.Instance.Return(message.Buffer);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The call is ending or the peer is gone; the receive loop reports which.
        }
        finally
        {
            _channel.Writer.TryComplete();
            while (reader.TryRead(out var leftover))
            {
                MessageBufferPool.Instance.Return(leftover.Buffer);
            }
        }
    }

    private readonly record struct OutboundMessage(byte[] Buffer, int Length, WebSocketMessageType Type);
}
