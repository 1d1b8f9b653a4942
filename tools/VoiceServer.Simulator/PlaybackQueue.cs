using System.Diagnostics;

namespace VoiceServer.Simulator;

/// <summary>
/// The caller's ear for the fakes that return marks only when told: agent audio plays in real time (8 bytes per ms)
/// from when it arrives, and a mark is due once the audio queued before it has played. A clear throws away what is
/// queued and forgets the marks; the provider decides whether they are returned.
/// </summary>
internal sealed class PlaybackQueue
{
    private const long BytesPerMillisecond = 8;

    private readonly Lock _gate = new();
    private readonly Queue<long> _marks = new();
    private long _queued;
    private long _cursor;
    private long _flushed;
    private long _advancedAt = Stopwatch.GetTimestamp();

    public long BufferedBytes
    {
        get
        {
            lock (_gate)
            {
                Advance();
                return _queued - _cursor;
            }
        }
    }

    public long FlushedBytes
    {
        get
        {
            lock (_gate)
            {
                return _flushed;
            }
        }
    }

    public void OnAudio(int bytes)
    {
        lock (_gate)
        {
            Advance();
            _queued += bytes;
        }
    }

    public void OnMark()
    {
        lock (_gate)
        {
            Advance();
            _marks.Enqueue(_queued);
        }
    }

    /// <summary>Flushes the queued audio; returns how many marks were waiting.</summary>
    public int OnClear()
    {
        lock (_gate)
        {
            Advance();
            _flushed += _queued - _cursor;
            _cursor = _queued;
            var pending = _marks.Count;
            _marks.Clear();
            return pending;
        }
    }

    /// <summary>How many marks have become due since the last call, oldest first.</summary>
    public int TakeDueMarks()
    {
        lock (_gate)
        {
            Advance();
            var due = 0;
            while (_marks.TryPeek(out var position) && position <= _cursor)
            {
                _marks.Dequeue();
                due++;
            }

            return due;
        }
    }

    /// <summary>Under the gate: moves the playhead by the time since the last move; an idle queue waits for audio.</summary>
    private void Advance()
    {
        var now = Stopwatch.GetTimestamp();
        if (_cursor < _queued)
        {
            var played = (long)(Stopwatch.GetElapsedTime(_advancedAt, now).TotalMilliseconds * BytesPerMillisecond);
            if (_cursor + played < _queued)
            {
                // Still playing: the anchor moves by exactly what played, so no fraction of a byte is lost.
                _cursor += played;
                _advancedAt += played * Stopwatch.Frequency / (BytesPerMillisecond * 1000);
                return;
            }

            _cursor = _queued;
        }

        _advancedAt = now;
    }
}
