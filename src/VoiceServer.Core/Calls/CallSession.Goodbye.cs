namespace VoiceServer.Calls;

/// <summary>
/// Ending a call politely, driven by <see cref="GoodbyeFlow"/>: at <see cref="CallSessionOptions.MaxCallDuration"/>,
/// when the caller stays silent, or when the agent hangs up or transfers. The session tells the flow when the call is
/// quiet and carries out what it asks for.
/// </summary>
public sealed partial class CallSession
{
    private const string GoodbyeInstructions =
        "The call has reached its time limit. Say a brief, friendly goodbye to the caller now, in one sentence.";

    private const string IdleGoodbyeInstructions =
        "The caller has not answered. Say a brief, friendly goodbye now, in one sentence; the call will end.";

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
            _goodbye.StartMaxDurationTimer(remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining);
        }
    }

    void IGoodbyeEvents.OnMaxDurationReached()
    {
        lock (_gate)
        {
            if (_end.Task.IsCompleted)
            {
                return;
            }

            if (_goodbye.IsUnderWay)
            {
                // Another ending (a hang-up, a transfer) is under way; if it falls through, this one follows.
                _goodbye.DeferMaxDuration();
                return;
            }

            Log.MaxDurationReached(_logger);
            BeginGoodbye(CallEndReason.MaxDuration, "maximum call duration reached", GoodbyeInstructions);
        }
    }

    void IGoodbyeEvents.OnGoodbyeTimedOut()
    {
        lock (_gate)
        {
            if (!_end.Task.IsCompleted && _goodbye.IsPending)
            {
                _goodbye.OnTimedOut();
                FinishGoodbye();
            }
        }
    }

    // Called under _gate; a null cap is the usual goodbye's.
    private void BeginGoodbye(CallEndReason reason, string detail, string instructions, TimeSpan? cap = null)
    {
        CancelIdleTimer(callerActivity: false);
        _goodbye.Begin(reason, detail, instructions, cap);
        DropQueuedResponse();
        RequestGoodbyeIfQuiet();
    }

    // Called under _gate: only one response may be active, so the goodbye waits for the current one to finish.
    private void RequestGoodbyeIfQuiet()
    {
        var quiet = _playback.ActiveResponseId is null && !OutOfBandResponseActive && !_responses.IsRequested && _audioFlowing;
        if (!_goodbye.TryRequest(quiet, out var instructions))
        {
            return;
        }

        if (_model?.Leg is not { } leg || !_responses.TrySend(leg, instructions))
        {
            End(_goodbye.Reason, _goodbye.Detail);
        }
    }

    // Called under _gate for every response.done.
    private void OnGoodbyeResponseDone(string responseId, bool hadAudio)
    {
        switch (_goodbye.OnResponseDone(responseId, hadAudio))
        {
            case GoodbyeStep.RequestIfQuiet:
                RequestGoodbyeIfQuiet();
                break;
            case GoodbyeStep.FinishIfPlayed:
                EndAfterGoodbyeIfPlayed();
                break;
        }
    }

    // Called under _gate after a returned mark, and when the goodbye response is done.
    private void EndAfterGoodbyeIfPlayed()
    {
        if (_goodbye.IsSpoken && !_playback.IsPlaying)
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

        if (_goodbye.Finish() is { } callControl)
        {
            _retirements.Add(RunCallControlAsync(callControl));
            return;
        }

        End(_goodbye.Reason, _goodbye.Detail);
    }
}
