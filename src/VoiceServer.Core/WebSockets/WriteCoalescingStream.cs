using System.Buffers;

namespace VoiceServer.WebSockets;

/// <summary>
/// The transport under a server WebSocket, able to hold back one frame so that it leaves with the next in a single
/// write: an audio chunk and its playback mark cost one flush and one send instead of two.
/// </summary>
/// <remarks>
/// The WebSocket writes one whole frame per <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/> and
/// never two at once (its send lock), then flushes, so the held bytes need no lock of their own. Only the send loop asks for a hold,
/// and only when another message is already queued behind the one it is about to send, so whatever is held goes out
/// with the very next frame: the queued one, or a control frame (pong, close) that happens to come first.
/// </remarks>
public sealed class WriteCoalescingStream : Stream
{
    /// <summary>Frames held beyond this go out at once: a mark and a 20 ms chunk take well under 1 KiB.</summary>
    public const int MaxHeldBytes = 4096;

    private readonly Stream _transport;
    private byte[]? _held;
    private int _heldLength;
    private volatile bool _holdNextWrite;

    public WriteCoalescingStream(Stream transport) => _transport = transport;

    /// <summary>The next frame written is kept back to leave with the one after it.</summary>
    public void HoldNextWrite() => _holdNextWrite = true;

    /// <summary>No frame is kept back from now on (the send loop ended, a close is next).</summary>
    public void StopHolding() => _holdNextWrite = false;

    public override bool CanRead => _transport.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => _transport.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var hold = _holdNextWrite;
        _holdNextWrite = false;
        if (hold && _heldLength + buffer.Length <= MaxHeldBytes)
        {
            Hold(buffer.Span);
            return ValueTask.CompletedTask;
        }

        if (_heldLength == 0)
        {
            return _transport.WriteAsync(buffer, cancellationToken);
        }

        if (_heldLength + buffer.Length <= MaxHeldBytes)
        {
            Hold(buffer.Span);
            return WriteHeldAsync(cancellationToken);
        }

        return WriteHeldThenAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// The WebSocket flushes after every frame; while a frame is held that flush waits for the frame that releases
    /// it, which writes both and is flushed in turn.
    /// </summary>
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _heldLength > 0 ? Task.CompletedTask : _transport.FlushAsync(cancellationToken);

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _transport.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _transport.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _transport.Read(buffer, offset, count);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // Disposal drops what is held rather than returning it to the pool: an aborted write may still be reading it.
    public override async ValueTask DisposeAsync()
    {
        _held = null;
        await _transport.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _held = null;
            _transport.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Hold(ReadOnlySpan<byte> frame)
    {
        _held ??= ArrayPool<byte>.Shared.Rent(MaxHeldBytes);
        frame.CopyTo(_held.AsSpan(_heldLength));
        _heldLength += frame.Length;
    }

    /// <summary>One write of everything held; the buffer goes back to the pool once the transport is done with it.</summary>
    private ValueTask WriteHeldAsync(CancellationToken cancellationToken)
    {
        ValueTask write;
        try
        {
            write = _transport.WriteAsync(_held.AsMemory(0, _heldLength), cancellationToken);
        }
        catch
        {
            ReturnHeld();
            throw;
        }

        if (!write.IsCompleted)
        {
            return ReturnHeldWhenWrittenAsync(write);
        }

        // The usual case (Kestrel's pipe takes the bytes at once): no state machine at all.
        try
        {
            write.GetAwaiter().GetResult();
        }
        finally
        {
            ReturnHeld();
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask ReturnHeldWhenWrittenAsync(ValueTask write)
    {
        try
        {
            await write;
        }
        finally
        {
            ReturnHeld();
        }
    }

    private async ValueTask WriteHeldThenAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await WriteHeldAsync(cancellationToken);
        await _transport.WriteAsync(frame, cancellationToken);
    }

    private void ReturnHeld()
    {
        if (_held is { } held)
        {
            _held = null;
            _heldLength = 0;
            ArrayPool<byte>.Shared.Return(held);
        }
    }
}
