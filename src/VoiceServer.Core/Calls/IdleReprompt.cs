namespace VoiceServer.Calls;

/// <summary>
/// The call's <c>idleTimeoutSec</c> (docs/reference/barge-in-and-call-control.md §11): armed when the call goes quiet,
/// cancelled by any activity; the first silence asks, the second says goodbye; caller activity starts over.
/// The session decides when the call is quiet. Not thread-safe: the session calls it one event at a time.
/// </summary>
internal sealed class IdleReprompt(TimeProvider time, IIdleEvents events)
{
    private ITimer? _timer;
    private int _prompts;
    private long _arming;

    /// <summary>(Re)starts the wait; an earlier arming no longer counts.</summary>
    public void Arm(TimeSpan timeout)
    {
        _timer?.Dispose();
        // A timer replaced just as it fires must not count: each arming has its own number.
        _timer = time.CreateTimer(static state => ((Arming)state!).Fire(), new Arming(events, ++_arming), timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Stops the wait: the caller spoke or pressed a key (<paramref name="callerActivity"/>: start over), or the agent started a response.</summary>
    public void Cancel(bool callerActivity)
    {
        _timer?.Dispose();
        _timer = null;
        _arming++;
        if (callerActivity)
        {
            _prompts = 0;
        }
    }

    /// <summary>The timer of <paramref name="arming"/> fired: which prompt is due, or false when that arming was replaced or cancelled meanwhile.</summary>
    public bool TryFire(long arming, out IdlePrompt prompt)
    {
        if (arming != _arming || _timer is null)
        {
            prompt = default;
            return false;
        }

        _timer.Dispose();
        _timer = null;
        prompt = _prompts++ == 0 ? IdlePrompt.AskStillThere : IdlePrompt.SayGoodbye;
        return true;
    }

    private sealed record Arming(IIdleEvents Events, long Number)
    {
        public void Fire() => Events.OnIdleTimerFired(Number);
    }
}
