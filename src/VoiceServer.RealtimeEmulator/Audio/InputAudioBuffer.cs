namespace VoiceServer.RealtimeEmulator.Audio;

/// <summary>
/// The uncommitted input audio, addressed by absolute byte offsets since the session began (so VAD positions map
/// straight onto it). Bounded: past <c>maxBytes</c> the oldest audio is dropped.
/// </summary>
internal sealed class InputAudioBuffer
{
    private readonly int _maxBytes;
    private byte[] _data;
    private int _head;
    private int _length;

    public InputAudioBuffer(int maxBytes, int initialCapacity = 16 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        _maxBytes = maxBytes;
        _data = new byte[Math.Min(initialCapacity, maxBytes)];
    }

    /// <summary>Absolute offset of the oldest byte held.</summary>
    public long StartOffset { get; private set; }

    /// <summary>Absolute offset just past the newest byte: the total appended this session.</summary>
    public long EndOffset => StartOffset + _length;

    public int Length => _length;

    public void Append(ReadOnlySpan<byte> audio)
    {
        if (audio.Length > _maxBytes)
        {
            // Only the newest maxBytes can be kept; account for the rest as dropped.
            StartOffset += _length + (audio.Length - _maxBytes);
            _head = 0;
            _length = 0;
            audio = audio[^_maxBytes..];
        }

        var overflow = _length + audio.Length - _maxBytes;
        if (overflow > 0)
        {
            Drop(overflow);
        }

        EnsureRoom(audio.Length);
        audio.CopyTo(_data.AsSpan(_head + _length));
        _length += audio.Length;
    }

    /// <summary>Copies the bytes in [<paramref name="from"/>, <paramref name="to"/>), clamped to what is held.</summary>
    public byte[] Slice(long from, long to)
    {
        from = Math.Clamp(from, StartOffset, EndOffset);
        to = Math.Clamp(to, from, EndOffset);
        return _data.AsSpan(_head + (int)(from - StartOffset), (int)(to - from)).ToArray();
    }

    /// <summary>Drops everything before <paramref name="offset"/>.</summary>
    public void DiscardBefore(long offset)
    {
        var count = Math.Clamp(offset - StartOffset, 0, _length);
        Drop((int)count);
    }

    public void Clear() => Drop(_length);

    private void Drop(int count)
    {
        _head += count;
        _length -= count;
        StartOffset += count;
        if (_length == 0)
        {
            _head = 0;
        }
    }

    private void EnsureRoom(int count)
    {
        if (_head + _length + count <= _data.Length)
        {
            return;
        }

        if (_length + count > _data.Length)
        {
            var grown = new byte[Math.Min(_maxBytes, Math.Max(_data.Length * 2, _length + count))];
            _data.AsSpan(_head, _length).CopyTo(grown);
            _data = grown;
        }
        else
        {
            // Room exists, just not after the live bytes: slide them to the front.
            _data.AsSpan(_head, _length).CopyTo(_data);
        }

        _head = 0;
    }
}
