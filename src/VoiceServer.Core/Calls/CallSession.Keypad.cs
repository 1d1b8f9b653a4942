using VoiceServer.Conversation;

namespace VoiceServer.Calls;

/// <summary>
/// Caller key presses reach the model as user input ("The caller pressed 5."), each at once or, with
/// <c>dtmf=collect</c>, gathered until <c>#</c> or a pause; then a response is requested under the one-response
/// rule (docs/reference/barge-in-and-call-control.md §6–7).
/// </summary>
public sealed partial class CallSession
{
    // Called under _gate for each key.
    private void OnKey(string digit)
    {
        if (!_started || _end.Task.IsCompleted)
        {
            return;
        }

        CancelIdleTimer(callerActivity: true);

        // Before the configuration is known, keys are gathered and sent once audio flows.
        if (_keypad.OnKey(digit, _model?.Configuration.Dtmf ?? DtmfMode.Collect))
        {
            SendKeys();
        }
    }

    void IKeypadEvents.OnKeypadPause()
    {
        lock (_gate)
        {
            SendKeys();
        }
    }

    // Called under _gate: after a key, a pause, '#', or when audio starts to flow again.
    private void SendKeys()
    {
        if (!_audioFlowing || _end.Task.IsCompleted || !_keypad.TryTake(out var keys))
        {
            return;
        }

        var text = KeypadInput.Describe(keys);
        var turn = _transcript.AddKeypadInput(text);
        PublishTurn(turn);
        _model!.Items.ExpectTextItem(turn.ItemId);
        if (!_model.Leg!.TryAddConversationItem(Speaker.Caller, text))
        {
            End(CallEndReason.SlowPeer, "the model is not accepting messages");
            return;
        }

        Log.KeysSent(_logger, keys.Length);
        RequestResponse();
    }

    /// <summary>
    /// Called under _gate. Only one response may be active: a request while one is (or one was just asked for) waits
    /// for its <c>response.done</c>; requests meanwhile fold into one. <paramref name="operatorMessage"/>: the
    /// instructions carry an operator's message, so not saying it is logged as such.
    /// </summary>
    private void RequestResponse(string? instructions = null, bool operatorMessage = false)
    {
        if (_goodbye.IsUnderWay)
        {
            // Once the call has begun ending, its goodbye is the last thing the caller hears.
            NotSaidForGoodbye(operatorMessage);
            return;
        }

        if (_responses.TryQueue(_playback.ActiveResponseId is not null || OutOfBandResponseActive, instructions, operatorMessage))
        {
            return;
        }

        if (!_responses.TrySend(_model!.Leg!, instructions is null ? null : WithPersona(_model.Configuration, instructions)))
        {
            End(CallEndReason.SlowPeer, "the model is not accepting messages");
        }
    }

    // Called under _gate at response.done.
    private void OnResponseDoneForQueue()
    {
        if (_playback.ActiveResponseId is null && !OutOfBandResponseActive && _audioFlowing && _responses.TryDequeue(out var instructions, out var operatorMessage))
        {
            RequestResponse(instructions, operatorMessage);
        }
    }

    /// <summary>
    /// Called under _gate as a goodbye begins: a response waiting for the current one would come after the goodbye
    /// (or be cut off by the hang-up), so it is not asked for at all.
    /// </summary>
    private void DropQueuedResponse()
    {
        if (_responses.TryDrop(out var operatorMessage))
        {
            NotSaidForGoodbye(operatorMessage);
        }
    }

    // An operator's message was accepted with a promise: its loss is a warning (never its text); anything else is routine.
    private void NotSaidForGoodbye(bool operatorMessage)
    {
        if (operatorMessage)
        {
            Log.OperatorMessageNotDelivered(_logger, "the call is ending");
        }
        else
        {
            Log.ResponseNotRequestedWhileEnding(_logger);
        }
    }
}
