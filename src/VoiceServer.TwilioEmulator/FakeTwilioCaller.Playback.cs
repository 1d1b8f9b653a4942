using System.Net.WebSockets;

namespace VoiceServer.TwilioEmulator;

/// <summary>
/// Twilio's outbound queue: audio and marks in arrival order, with a cursor over the cumulative byte stream. Bytes
/// before the cursor have been either played or flushed by <c>clear</c>; a mark returns once the cursor reaches it.
/// </summary>
public sealed partial class FakeTwilioCaller
{
    // 8 bytes per ms is 1250 ticks (100 ns) per byte.
    private const long TicksPerByte = TimeSpan.TicksPerMillisecond / BytesPerMillisecond;

    private readonly List<PendingMark> _pendingMarks = [];
    private ITimer? _playbackTimer;
    private long _queuedBytes;
    private long _cursor;
    private long _flushedBytes;
    private bool _playing;
    private long _anchorTimestamp;
    private long _anchorCursor;

    /// <summary>Names of the marks waiting to be returned, oldest first.</summary>
    public IReadOnlyList<string> PendingMarks
    {
        get
        {
            lock (_gate)
            {
                AdvancePlayhead();
                return [.. _pendingMarks.Select(m => m.Name)];
            }
        }
    }

    /// <summary>Audio bytes that reached the caller's ear: before a returned mark, or through the playback clock.</summary>
    public long PlayedAudioBytes
    {
        get
        {
            lock (_gate)
            {
                AdvancePlayhead();
                return _cursor - _flushedBytes;
            }
        }
    }

    /// <summary>Audio bytes that a <c>clear</c> threw away unplayed.</summary>
    public long FlushedAudioBytes
    {
        get
        {
            lock (_gate)
            {
                return _flushedBytes;
            }
        }
    }

    /// <summary>Audio bytes queued and not yet played or flushed.</summary>
    public long BufferedAudioBytes
    {
        get
        {
            lock (_gate)
            {
                AdvancePlayhead();
                return _queuedBytes - _cursor;
            }
        }
    }

    /// <summary>Returns one pending mark now, as if its audio had played (any mode).</summary>
    public Task AckMarkAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        Task sent;
        lock (_gate)
        {
            AdvancePlayhead();
            var index = _pendingMarks.FindIndex(m => m.Name == name);
            if (index < 0)
            {
                throw new InvalidOperationException($"No pending mark named '{name}'. Pending: [{string.Join(", ", _pendingMarks.Select(m => m.Name))}]");
            }

            var mark = _pendingMarks[index];
            _pendingMarks.RemoveAt(index);
            MoveCursor(Math.Max(_cursor, mark.Position));
            sent = Return(mark.Name, flushed: false);
            ReleaseDueMarks();
            SchedulePlayback();
        }

        _waiters.Notify();
        return sent.WaitAsync(cancellationToken);
    }

    /// <summary>Returns the oldest <paramref name="count"/> pending marks, in order.</summary>
    public Task AckPendingMarksAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var sent = new List<Task>();
        lock (_gate)
        {
            AdvancePlayhead();
            if (count > _pendingMarks.Count)
            {
                throw new InvalidOperationException($"Asked to acknowledge {count} marks but only {_pendingMarks.Count} are pending.");
            }

            foreach (var mark in _pendingMarks.GetRange(0, count))
            {
                MoveCursor(Math.Max(_cursor, mark.Position));
                sent.Add(Return(mark.Name, flushed: false));
            }

            _pendingMarks.RemoveRange(0, count);
            SchedulePlayback();
        }

        _waiters.Notify();
        return Task.WhenAll(sent).WaitAsync(cancellationToken);
    }

    private void QueueAudio(int bytes)
    {
        AdvancePlayhead();
        _queuedBytes += bytes;
        if (MarkMode == MarkMode.Playback && !_playing && _cursor < _queuedBytes)
        {
            // Playback (re)starts now; the idle time before does not count as played audio.
            _playing = true;
            _anchorTimestamp = _time.GetTimestamp();
            _anchorCursor = _cursor;
        }

        SchedulePlayback();
    }

    private void QueueMark(string name)
    {
        AdvancePlayhead();
        // Marks that are already due go first, so the order on the wire stays the arrival order.
        ReleaseDueMarks();
        switch (MarkMode)
        {
            case MarkMode.Immediate:
                MoveCursor(_queuedBytes);
                Forget(Return(name, flushed: false));
                break;
            case MarkMode.Playback when _cursor >= _queuedBytes:
                // Nothing queued: Twilio returns the mark at once.
                Forget(Return(name, flushed: false));
                break;
            default:
                _pendingMarks.Add(new PendingMark(name, _queuedBytes));
                SchedulePlayback();
                break;
        }
    }

    private void Clear()
    {
        AdvancePlayhead();
        _flushedBytes += _queuedBytes - _cursor;
        _cursor = _queuedBytes;
        _playing = false;
        // Twilio sends back every pending mark when the queue is cleared.
        foreach (var mark in _pendingMarks)
        {
            Forget(Return(mark.Name, flushed: true));
        }

        _pendingMarks.Clear();
        _playbackTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Moves the playback clock forward to now (Playback mode only). Caller holds the lock.</summary>
    private void AdvancePlayhead()
    {
        if (MarkMode != MarkMode.Playback || !_playing)
        {
            return;
        }

        var played = _time.GetElapsedTime(_anchorTimestamp).Ticks / TicksPerByte;
        var position = _anchorCursor + played;
        if (position >= _queuedBytes)
        {
            _cursor = _queuedBytes;
            _playing = false;
        }
        else
        {
            _cursor = Math.Max(_cursor, position);
        }
    }

    /// <summary>A manual acknowledgement moves the cursor; the playback clock continues from there.</summary>
    private void MoveCursor(long position)
    {
        _cursor = Math.Min(position, _queuedBytes);
        if (MarkMode == MarkMode.Playback)
        {
            _playing = _cursor < _queuedBytes;
            _anchorTimestamp = _time.GetTimestamp();
            _anchorCursor = _cursor;
        }
    }

    private void ReleaseDueMarks()
    {
        while (_pendingMarks.Count > 0 && _pendingMarks[0].Position <= _cursor && MarkMode == MarkMode.Playback)
        {
            Forget(Return(_pendingMarks[0].Name, flushed: false));
            _pendingMarks.RemoveAt(0);
        }
    }

    /// <summary>Arms the timer for the oldest pending mark. Caller holds the lock.</summary>
    private void SchedulePlayback()
    {
        if (MarkMode != MarkMode.Playback || _disposed)
        {
            return;
        }

        ReleaseDueMarks();
        if (_pendingMarks.Count == 0 || !_playing)
        {
            _playbackTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var dueTicks = ((_pendingMarks[0].Position - _anchorCursor) * TicksPerByte) - _time.GetElapsedTime(_anchorTimestamp).Ticks;
        _playbackTimer ??= _time.CreateTimer(_ => OnPlaybackTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _playbackTimer.Change(TimeSpan.FromTicks(Math.Max(0, dueTicks)), Timeout.InfiniteTimeSpan);
    }

    private void OnPlaybackTimer()
    {
        lock (_gate)
        {
            if (_disposed || _playbackTimer is null)
            {
                return;
            }

            AdvancePlayhead();
            SchedulePlayback();
        }

        _waiters.Notify();
    }

    /// <summary>Queues a mark for the send loop; the task completes once it is on the wire.</summary>
    private Task Return(string name, bool flushed)
    {
        var item = new MarkReturn(name, flushed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_markReturns.Writer.TryWrite(item))
        {
            item.Sent.TrySetException(new InvalidOperationException($"Mark '{name}' cannot be returned: the connection has closed."));
        }

        return item.Sent.Task;
    }

    /// <summary>Marks returned on their own have no awaiting test; keep their failures from going unobserved.</summary>
    private static void Forget(Task task) =>
        task.ContinueWith(
            static t => _ = t.Exception,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>Sends returned marks in order, through the same numbered send path as every other message.</summary>
    private async Task MarkLoopAsync()
    {
        var cancellationToken = _stopping.Token;
        await foreach (var item in _markReturns.Reader.ReadAllAsync(cancellationToken))
        {
            if (_socket.State != WebSocketState.Open)
            {
                // The call is over; Twilio returns nothing after that.
                item.Sent.TrySetException(new InvalidOperationException($"Mark '{item.Name}' not returned: the socket is {_socket.State}."));
                continue;
            }

            try
            {
                await SendSequencedAsync(sequence => MarkMessage(sequence, item.Name), cancellationToken);
            }
            catch (Exception ex) when (WebSocketIo.IsConnectionEnded(ex) || _socket.State != WebSocketState.Open)
            {
                item.Sent.TrySetException(ex);
                continue;
            }

            var returned = new ReturnedMark(item.Name, item.Flushed, Elapsed);
            lock (_gate)
            {
                _returnedMarks.Add(returned);
            }

            _waiters.Notify();
            Invoke(_options.MarkReturned, returned, "MarkReturned callback");
            item.Sent.TrySetResult();
        }
    }

    private readonly record struct PendingMark(string Name, long Position);

    private sealed record MarkReturn(string Name, bool Flushed, TaskCompletionSource Sent);
}
