using System.Buffers;

namespace VoiceServer.Calls;

/// <summary>
/// Caller audio that arrived before the model session was confirmed, kept frame by frame (base64 frames cannot be
/// concatenated: each carries its own padding) in one pooled buffer, up to a byte limit.
/// </summary>
internal sealed class PendingAudio(int maxBytes)
{
    private byte[] _buffer = [];
    private readonly List<int> _frameLengths = [];
    private int _length;

    /// <summary>The byte limit; the call scales it for its audio format at <c>start</c>, before any frame is kept.</summary>
    public int MaxBytes { get; set; } = maxBytes;

    public int DroppedFrames { get; private set; }

    public int FrameCount => _frameLengths.Count;

    /// <summary>Keeps the frame if it fits; otherwise counts it as dropped.</summary>
    public bool TryAdd(ReadOnlySpan<byte> frame)
    {
        if (_length + frame.Length > MaxBytes)
        {
            DroppedFrames++;
            return false;
        }

        if (_length + frame.Length > _buffer.Length)
        {
            var next = ArrayPool<byte>.Shared.Rent(Math.Min(MaxBytes, Math.Max(_buffer.Length * 2, _length + frame.Length)));
            _buffer.AsSpan(0, _length).CopyTo(next);
            ReturnBuffer();
            _buffer = next;
        }

        frame.CopyTo(_buffer.AsSpan(_length));
        _length += frame.Length;
        _frameLengths.Add(frame.Length);
        return true;
    }

    /// <summary>Hands every frame, in arrival order, to <paramref name="send"/>; stops at the first refusal.</summary>
    public bool Flush<TState>(TState state, SpanPredicate<TState> send)
    {
        var offset = 0;
        foreach (var length in _frameLengths)
        {
            if (!send(state, _buffer.AsSpan(offset, length)))
            {
                return false;
            }

            offset += length;
        }

        // Audio waits here only while a session is set up or replaced: the buffer goes back to the pool at once
        // rather than staying with the call for its whole life.
        Release();
        return true;
    }

    /// <summary>Gives the buffer back to the pool (after a flush, and at the end of the call).</summary>
    public void Release()
    {
        Clear();
        ReturnBuffer();
        _buffer = [];
    }

    private void Clear()
    {
        _frameLengths.Clear();
        _length = 0;
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
