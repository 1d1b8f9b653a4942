namespace VoiceServer.Calls;

/// <summary>
/// The call's <c>idleTimeoutSec</c> (docs/reference/barge-in-and-call-control.md §11), driven by <see cref="IdleReprompt"/>:
/// once the agent has finished speaking and the caller says nothing for that long, the agent asks whether they are
/// still there; after a second silence as long it says goodbye and the call ends (<see cref="CallEndReason.IdleTimeout"/>).
/// </summary>
public sealed partial class CallSession
{
    private const string StillThereInstructions =
        "The caller has been silent for a while. Briefly and kindly ask whether they are still there.";

    /// <summary>Called under _gate whenever the call may have gone quiet: arms the timer if it has.</summary>
    private void ArmIdleTimerIfQuiet()
    {
        if (_model?.Configuration.IdleTimeout is not { } timeout || !_audioFlowing || _end.Task.IsCompleted || _goodbye.IsUnderWay || HoldsCallerAudio)
        {
            return;
        }

        if (_playback.ActiveResponseId is not null || _playback.IsPlaying || _callerTurnOpen || _responses.IsRequested)
        {
            return;
        }

        _idle.Arm(timeout);
    }

    /// <summary>Called under _gate: the caller spoke or pressed a key (activity), or the agent started a response.</summary>
    private void CancelIdleTimer(bool callerActivity) => _idle.Cancel(callerActivity);

    void IIdleEvents.OnIdleTimerFired(long arming)
    {
        lock (_gate)
        {
            if (_end.Task.IsCompleted || !_audioFlowing || _goodbye.IsUnderWay || !_idle.TryFire(arming, out var prompt))
            {
                return;
            }

            if (prompt == IdlePrompt.AskStillThere)
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
}
