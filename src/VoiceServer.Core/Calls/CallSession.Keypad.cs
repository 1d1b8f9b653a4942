using System.Text;
using VoiceServer.Conversation;
using VoiceServer.Legs;

namespace VoiceServer.Calls;

/// <summary>
/// Caller key presses reach the model as user input ("The caller pressed 5."), each at once or, with
/// <c>dtmf=collect</c>, gathered until <c>#</c> or a pause; then a response is requested under the one-response
/// rule (docs/reference/barge-in-and-call-control.md §6–7).
/// </summary>
public sealed partial class CallSession
{
    private readonly StringBuilder _keys = new();
    private ITimer? _keypadPauseTimer;
    private bool _responseRequested;
    private bool _responseQueued;
    private string? _queuedInstructions;

    // Called under _gate for each key.
    private void OnKey(string digit)
    {
        if (!_started || _end.Task.IsCompleted)
        {
            return;
        }

        CancelIdleTimer(callerActivity: true);

        // Before the configuration is known, keys are gathered and sent once audio flows.
        var mode = _model?.Configuration.Dtmf ?? DtmfMode.Collect;
        if (mode == DtmfMode.Collect && digit == "#")
        {
            SendKeys();
            return;
        }

        _keys.Append(digit);
        if (mode == DtmfMode.Each)
        {
            SendKeys();
            return;
        }

        _keypadPauseTimer?.Dispose();
        _keypadPauseTimer = _time.CreateTimer(
            static state =>
            {
                var session = (CallSession)state!;
                lock (session._gate)
                {
                    session.SendKeys();
                }
            },
            this,
            _options.DtmfCollectPause,
            Timeout.InfiniteTimeSpan);
    }

    // Called under _gate: after a key, a pause, '#', or when audio starts to flow again.
    private void SendKeys()
    {
        if (_keys.Length == 0 || !_audioFlowing || _end.Task.IsCompleted)
        {
            return;
        }

        _keypadPauseTimer?.Dispose();
        _keypadPauseTimer = null;
        var keys = _keys.ToString();
        _keys.Clear();
        var text = keys.Length == 1 ? $"The caller pressed {keys}." : $"The caller entered {keys} on the keypad.";
        PublishTurn(_transcript.AddKeypadInput(text));
        if (!_model!.Leg!.TryAddConversationItem(Speaker.Caller, text))
        {
            End(CallEndReason.SlowPeer, "the model is not accepting messages");
            return;
        }

        Log.KeysSent(_logger, keys.Length);
        RequestResponse();
    }

    /// <summary>
    /// Called under _gate. Only one response may be active: a request while one is (or one was just asked for) waits
    /// for its <c>response.done</c>; requests meanwhile fold into one.
    /// </summary>
    private void RequestResponse(string? instructions = null)
    {
        if (_playback.ActiveResponseId is not null || _responseRequested)
        {
            _responseQueued = true;
            _queuedInstructions ??= instructions;
            return;
        }

        if (!TryCreateResponseNow(_model!.Leg!, instructions is null ? null : WithPersona(_model.Configuration, instructions)))
        {
            End(CallEndReason.SlowPeer, "the model is not accepting messages");
        }
    }

    /// <summary>
    /// Called under _gate: every <c>response.create</c> of the call goes out here, so the one-response rule knows a
    /// response is on its way until <c>response.created</c>.
    /// </summary>
    private bool TryCreateResponseNow(IModelLeg leg, string? instructions)
    {
        _responseRequested = true;
        return leg.TryCreateResponse(instructions);
    }

    // Called under _gate at response.created.
    private void OnResponseCreatedForQueue() => _responseRequested = false;

    // Called under _gate at response.done.
    private void OnResponseDoneForQueue()
    {
        if (_responseQueued && _playback.ActiveResponseId is null && _audioFlowing)
        {
            var instructions = _queuedInstructions;
            _responseQueued = false;
            _queuedInstructions = null;
            RequestResponse(instructions);
        }
    }
}
