namespace VoiceServer.Calls;

/// <summary>
/// Ending a call politely (at <see cref="CallSessionOptions.MaxCallDuration"/>, or when the caller stays silent):
/// ask the model for a brief goodbye (once no response is active), let it play out, then end with the reason.
/// A cap bounds the wait in case the model never answers or marks never return.
/// </summary>
public sealed partial class CallSession
{
    private const string GoodbyeInstructions =
        "The call has reached its time limit. Say a brief, friendly goodbye to the caller now, in one sentence.";

    private const string IdleGoodbyeInstructions =
        "The caller has not answered. Say a brief, friendly goodbye now, in one sentence; the call will end.";

    private ITimer? _maxDurationTimer;
    private ITimer? _goodbyeCapTimer;
    private GoodbyeState _goodbye;
    private string? _goodbyeResponseId;
    private CallEndReason _goodbyeReason;
    private string _goodbyeDetail = string.Empty;
    private string _goodbyeInstructions = GoodbyeInstructions;
    private bool _maxDurationReached;

    private enum GoodbyeState
    {
        None,

        /// <summary>The response that carried <c>end_call</c>/<c>transfer_call</c> is still going; it may hold the goodbye.</summary>
        AwaitingCarrier,
        WaitingForQuiet,
        Requested,
        Spoken,

        /// <summary>Played out; the telephony provider is being asked to hang up or transfer.</summary>
        Finishing,
    }

    // Called under _gate when audio starts to flow. The call's maxDurationSec applies, the server's limit when shorter.
    private void StartMaxDurationTimer(CallConfiguration configuration)
    {
        var limit = (_options.MaxCallDuration, configuration.MaxDuration) switch
        {
            ({ } server, { } call) => server < call ? server : call,
            (var server, var call) => server ?? call,
        };
        if (limit is { } duration)
        {
            // The limit counts from the upgrade, set-up included.
            var remaining = duration - _time.GetElapsedTime(_startedAt);
            _maxDurationTimer = _time.CreateTimer(static state => ((CallSession)state!).OnMaxDurationReached(), this, AtLeastZero(remaining), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnMaxDurationReached()
    {
        lock (_gate)
        {
            if (_end.Task.IsCompleted)
            {
                return;
            }

            if (_goodbye != GoodbyeState.None)
            {
                // Another ending (a hang-up, a transfer) is under way; if it falls through, this one follows.
                _maxDurationReached = true;
                return;
            }

            Log.MaxDurationReached(_logger);
            BeginGoodbye(CallEndReason.MaxDuration, "maximum call duration reached", GoodbyeInstructions);
        }
    }

    // Called under _gate.
    private void BeginGoodbye(CallEndReason reason, string detail, string instructions)
    {
        _goodbyeReason = reason;
        _goodbyeDetail = detail;
        _goodbyeInstructions = instructions;
        CancelIdleTimer(callerActivity: false);
        StartGoodbyeCap();
        _goodbye = GoodbyeState.WaitingForQuiet;
        RequestGoodbyeIfQuiet();
    }

    // Called under _gate: marks that never return or a model that never answers must not hold the call open.
    private void StartGoodbyeCap()
    {
        _goodbyeCapTimer?.Dispose();
        _goodbyeCapTimer = _time.CreateTimer(
            static state =>
            {
                var session = (CallSession)state!;
                lock (session._gate)
                {
                    if (!session._end.Task.IsCompleted && session._goodbye is not (GoodbyeState.None or GoodbyeState.Finishing))
                    {
                        session._goodbyeDetail += " (goodbye not confirmed in time)";
                        session.FinishGoodbye();
                    }
                }
            },
            this,
            _options.GoodbyeTimeout,
            Timeout.InfiniteTimeSpan);
    }

    // Called under _gate: only one response may be active, so the goodbye waits for the current one to finish.
    private void RequestGoodbyeIfQuiet()
    {
        if (_goodbye != GoodbyeState.WaitingForQuiet || _playback.ActiveResponseId is not null || _responses.IsRequested || !_audioFlowing)
        {
            return;
        }

        _goodbye = GoodbyeState.Requested;
        if (_model?.Leg is not { } leg || !_responses.TrySend(leg, _goodbyeInstructions))
        {
            End(_goodbyeReason, _goodbyeDetail);
        }
    }

    // Called under _gate for every response.created.
    private void OnGoodbyeResponseCreated(string responseId)
    {
        if (_goodbye == GoodbyeState.Requested && _goodbyeResponseId is null)
        {
            _goodbyeResponseId = responseId;
        }
    }

    // Called under _gate for every response.done.
    private void OnGoodbyeResponseDone(string responseId, bool hadAudio)
    {
        if (_goodbye == GoodbyeState.AwaitingCarrier && string.Equals(responseId, _goodbyeResponseId, StringComparison.Ordinal))
        {
            // The model said its goodbye in the turn that called the tool, or it still has to.
            _goodbye = hadAudio ? GoodbyeState.Spoken : GoodbyeState.WaitingForQuiet;
            _goodbyeResponseId = null;
            if (hadAudio)
            {
                EndAfterGoodbyeIfPlayed();
            }
            else
            {
                RequestGoodbyeIfQuiet();
            }
        }
        else if (_goodbye == GoodbyeState.WaitingForQuiet)
        {
            RequestGoodbyeIfQuiet();
        }
        else if (_goodbye == GoodbyeState.Requested && string.Equals(responseId, _goodbyeResponseId, StringComparison.Ordinal))
        {
            _goodbye = GoodbyeState.Spoken;
            EndAfterGoodbyeIfPlayed();
        }
    }

    // Called under _gate after a returned mark, and when the goodbye response is done.
    private void EndAfterGoodbyeIfPlayed()
    {
        if (_goodbye == GoodbyeState.Spoken && !_playback.IsPlaying)
        {
            FinishGoodbye();
        }
    }

    // Called under _gate once the goodbye has played (or its cap passed).
    private void FinishGoodbye()
    {
        if (_end.Task.IsCompleted)
        {
            return;
        }

        if (_pendingCallControl is null)
        {
            End(_goodbyeReason, _goodbyeDetail);
            return;
        }

        _goodbye = GoodbyeState.Finishing;
        _retirements.Add(RunCallControlAsync(_pendingCallControl));
    }

    private static TimeSpan AtLeastZero(TimeSpan value) => value < TimeSpan.Zero ? TimeSpan.Zero : value;

    private void DisposeTimers()
    {
        _maxDurationTimer?.Dispose();
        _goodbyeCapTimer?.Dispose();
    }
}
