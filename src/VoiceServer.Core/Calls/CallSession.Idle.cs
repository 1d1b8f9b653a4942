namespace VoiceServer.Calls;

/// <summary>
/// The call's <c>idleTimeoutSec</c> (docs/reference/barge-in-and-call-control.md §11): once the agent has finished speaking and the
/// caller says nothing for that long, the agent asks whether they are still there; after a second silence as long it
/// says goodbye and the call ends (<see cref="CallEndReason.IdleTimeout"/>). Caller speech or a key press starts over.
/// </summary>
public sealed partial class CallSession
{
    private const string StillThereInstructions =
        "The caller has been silent for a while. Briefly and kindly ask whether they are still there.";

    private ITimer? _idleTimer;
    private int _idlePrompts;
    private long _idleGeneration;

    /// <summary>Called under _gate whenever the call may have gone quiet: arms the timer if it has.</summary>
    private void ArmIdleTimerIfQuiet()
    {
        if (_model?.Configuration.IdleTimeout is not { } timeout || !_audioFlowing || _end.Task.IsCompleted || _goodbye != GoodbyeState.None)
        {
            return;
        }

        if (_playback.ActiveResponseId is not null || _playback.IsPlaying || _callerTurnOpen || _responses.IsRequested)
        {
            return;
        }

        _idleTimer?.Dispose();
        // A timer replaced just as it fires must not count: each arming has its own generation.
        _idleTimer = _time.CreateTimer(static state => ((IdleArming)state!).Fire(), new IdleArming(this, ++_idleGeneration), timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Called under _gate: the caller spoke or pressed a key (activity), or the agent started a response.</summary>
    private void CancelIdleTimer(bool callerActivity)
    {
        _idleTimer?.Dispose();
        _idleTimer = null;
        _idleGeneration++;
        if (callerActivity)
        {
            _idlePrompts = 0;
        }
    }

    private void OnIdle(long generation)
    {
        lock (_gate)
        {
            if (generation != _idleGeneration || _idleTimer is null || _end.Task.IsCompleted || !_audioFlowing || _goodbye != GoodbyeState.None)
            {
                return;
            }

            _idleTimer.Dispose();
            _idleTimer = null;
            if (_idlePrompts++ == 0)
            {
                Log.CallerIdle(_logger, "asking whether the caller is still there");
                RequestResponse(StillThereInstructions);
            }
            else
            {
                Log.CallerIdle(_logger, "saying goodbye");
                BeginGoodbye(CallEndReason.IdleTimeout, "the caller stayed silent", IdleGoodbyeInstructions);
            }
        }
    }

    private sealed record IdleArming(CallSession Session, long Generation)
    {
        public void Fire() => Session.OnIdle(Generation);
    }
}
