namespace VoiceServer.Calls;

/// <summary>
/// When to replace a model session before the provider's cap (<see cref="CallSessionOptions.ModelSessionCap"/>) ends
/// it: due <see cref="CallSessionOptions.RecycleLead"/> before the cap, at the next quiet moment; urgent
/// <see cref="CallSessionOptions.RecycleDeadlineLead"/> before it. The session decides what quiet means.
/// Not thread-safe: the session calls it one event at a time.
/// </summary>
internal sealed class RecycleSchedule(TimeProvider time, CallSessionOptions options, IRecycleEvents events)
{
    private ITimer? _dueTimer;
    private ITimer? _deadlineTimer;

    /// <summary>A timer fired since the schedule started: the session should be replaced when the call is quiet.</summary>
    public bool IsDue { get; private set; }

    /// <summary>The deadline timer fired: only the response has to be finished.</summary>
    public bool IsUrgent { get; private set; }

    /// <summary>Audio started to flow on a connection opened at <paramref name="connectionStartedAt"/>: its timers run from then.</summary>
    public void Start(long connectionStartedAt)
    {
        if (options.ModelSessionCap is not { } cap)
        {
            return;
        }

        Stop();
        var age = time.GetElapsedTime(connectionStartedAt);
        _dueTimer = time.CreateTimer(static state => ((IRecycleEvents)state!).OnRecycleDue(urgent: false), events, AtLeastZero(cap - options.RecycleLead - age), Timeout.InfiniteTimeSpan);
        _deadlineTimer = time.CreateTimer(static state => ((IRecycleEvents)state!).OnRecycleDue(urgent: true), events, AtLeastZero(cap - options.RecycleDeadlineLead - age), Timeout.InfiniteTimeSpan);
    }

    /// <summary>A timer fired (the session relays it here under its order of events).</summary>
    public void OnDue(bool urgent)
    {
        IsDue = true;
        IsUrgent |= urgent;
    }

    /// <summary>A replacement began: nothing is due until the next connection's schedule starts.</summary>
    public void Cancel()
    {
        IsDue = IsUrgent = false;
        Stop();
    }

    /// <summary>Stops the timers (at teardown, or before new ones start).</summary>
    public void Stop()
    {
        _dueTimer?.Dispose();
        _deadlineTimer?.Dispose();
        _dueTimer = _deadlineTimer = null;
    }

    private static TimeSpan AtLeastZero(TimeSpan value) => value < TimeSpan.Zero ? TimeSpan.Zero : value;
}
