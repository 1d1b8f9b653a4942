using VoiceServer.Commands;
using VoiceServer.Tools;

namespace VoiceServer.Calls;

/// <summary>
/// An operator's commands, delivered by the instance's command receiver (docs/main-app.md#live-calls): hang up or
/// transfer at once, through the telephony API, or have the agent say a message after its current response. Only a
/// call whose configuration was signed for its CallSid is listed for them (<see cref="ICallDirectory"/>).
/// </summary>
public sealed partial class CallSession
{
    private IDisposable? _listing;

    // The hang-up or transfer an operator asked for, while the provider's API carries it out.
    private CallControlRequest? _operatorCommand;

    // An operator's message (its instructions) accepted while the model session was being replaced, or still waiting
    // behind the old session's response when it went: the session that takes over says it, once, after whatever it
    // has to say first. One may wait, as one response may wait for the current one.
    private string? _sayDue;

    // After set-up: a ready call whose configuration names its CallSid becomes addressable by operators.
    private void ListForOperators(CallConfiguration configuration)
    {
        if (_services.Directory is { } directory && configuration.CallControlAllowed && _logScope.CallSid is { } callSid && _ready.Task.IsCompleted)
        {
            if (directory.TryList(callSid, this, out var listing))
            {
                _listing = listing;
            }
            else
            {
                Log.AlreadyListed(_logger);
            }
        }
    }

    /// <summary>Ends the call now: the provider's API hangs up (or, without one for this call, the stream is closed).</summary>
    public Task<CallCommandResult> HangUpForOperatorAsync(CancellationToken cancellationToken) =>
        HangUpThroughCallControlAsync(new CallControlRequest(CallEndReason.AdminHungUp, "hung up by an operator", Number: null), byOperator: true, cancellationToken);

    /// <summary>Hangs up through the provider's API, the call ending with <paramref name="request"/>'s reason.</summary>
    private async Task<CallCommandResult> HangUpThroughCallControlAsync(CallControlRequest request, bool byOperator, CancellationToken cancellationToken)
    {
        if (!TryBeginOperatorCommand(request, out var control, out var callSid, out var refusal))
        {
            return refusal.Value;
        }

        if (byOperator)
        {
            Log.OperatorCommand(_logger, CallCommandActions.HangUp);
        }

        var (outcome, detail) = await RunOperatorControlAsync(request, token => control.HangUpAsync(callSid, token), cancellationToken);
        if (outcome is null)
        {
            return EndedMeanwhile(request, "the call was hung up");
        }

        // As with end_call: without the API, closing the socket ends <Connect>, and with it the call.
        var done = outcome == CallControlOutcome.Done;
        End(request.Reason, done ? request.Detail : $"{request.Detail} ({detail}: the socket was closed instead)");
        return new CallCommandResult(CallCommandOutcome.Done, done ? "the call was hung up" : $"the call's stream was closed, which ends it ({detail})");
    }

    /// <summary>Transfers the caller to <paramref name="number"/> (E.164, checked by the receiver) through the provider's API.</summary>
    public async Task<CallCommandResult> TransferForOperatorAsync(string number, CancellationToken cancellationToken)
    {
        var request = new CallControlRequest(CallEndReason.AdminTransferred, $"transferred to {number} by an operator", number);
        if (!TryBeginOperatorCommand(request, out var control, out var callSid, out var refusal))
        {
            return refusal.Value;
        }

        if (control is NoCallControl)
        {
            EndOperatorCommand();
            return new CallCommandResult(CallCommandOutcome.Conflict, "no telephony API is configured for this call's provider, so it cannot be transferred");
        }

        Log.OperatorCommand(_logger, CallCommandActions.Transfer);
        var (outcome, detail) = await RunOperatorControlAsync(request, token => control.TransferAsync(callSid, number, token), cancellationToken);
        if (outcome is null)
        {
            return EndedMeanwhile(request, $"the call was transferred to {number}");
        }

        if (outcome == CallControlOutcome.Done)
        {
            End(request.Reason, request.Detail);
            return new CallCommandResult(CallCommandOutcome.Done, $"the call was transferred to {number}");
        }

        // The call goes on as it was; the operator may try again.
        EndOperatorCommand();
        return new CallCommandResult(outcome == CallControlOutcome.NotConfigured ? CallCommandOutcome.Conflict : CallCommandOutcome.Failed, $"the transfer did not happen: {detail}");
    }

    /// <summary>
    /// Asks the model to say <paramref name="text"/> once, as written: now when the agent is quiet, otherwise right
    /// after its current response (never cutting it off).
    /// </summary>
    public CallCommandResult SayForOperator(string text)
    {
        lock (_gate)
        {
            if (_end.Task.IsCompleted)
            {
                return new CallCommandResult(CallCommandOutcome.NotFound, "the call has ended");
            }

            if (_operatorCommand is not null || _goodbye.IsUnderWay)
            {
                return new CallCommandResult(CallCommandOutcome.Conflict, "the call is ending");
            }

            if (_awaitingVerdict)
            {
                // Said now, it could play over a voicemail greeting.
                return new CallCommandResult(CallCommandOutcome.Conflict, "the call awaits its answering-machine verdict; the agent does not speak before it");
            }

            // During a replacement, the old session's queue is dropped at the switch; the message waiting is what counts.
            if (_sayDue is not null || (_audioFlowing ? _responses.IsQueued : _responses.HoldsOperatorMessage))
            {
                // One response may wait for the current one; folding the message into another would lose it.
                return new CallCommandResult(CallCommandOutcome.Conflict, "the agent already has a response waiting; try again in a moment");
            }

            if (!_audioFlowing)
            {
                // The model session is being replaced. Refused, the operator would have to guess when to retry: the
                // session that takes over says it instead.
                _sayDue = OperatorMessage(text);
                Log.OperatorCommand(_logger, CallCommandActions.Say);
                return new CallCommandResult(CallCommandOutcome.Accepted, "the agent will say it once its connection to the model is back");
            }

            var afterCurrent = _playback.ActiveResponseId is not null || _responses.IsRequested;
            RequestResponse(OperatorMessage(text), operatorMessage: true);
            Log.OperatorCommand(_logger, CallCommandActions.Say);
            return new CallCommandResult(CallCommandOutcome.Accepted, afterCurrent ? "the agent will say it after its current response" : "the agent is saying it");
        }
    }

    private static string OperatorMessage(string text) =>
        $"An operator asks you to give the caller this message. Say it exactly as written, word for word, and nothing else: \"{text}\"";

    /// <summary>
    /// Called under _gate when a session takes over (or a failed recycle keeps the old one), after the first words it
    /// was asked for: the operator's message accepted meanwhile is asked for now, so it waits for them under the
    /// one-response rule. A call that began ending meanwhile says only its goodbye.
    /// </summary>
    private void SayIfDue()
    {
        if (_sayDue is not { } instructions)
        {
            return;
        }

        _sayDue = null;
        if (_operatorCommand is not null || _goodbye.IsUnderWay)
        {
            Log.OperatorMessageNotDelivered(_logger, "the call is ending");
            return;
        }

        RequestResponse(instructions, operatorMessage: true);
    }

    /// <summary>
    /// Called under _gate as a new session takes over, before the old session's requests are forgotten: an operator's
    /// message still waiting behind the old session's response was promised (202), so the new session says it.
    /// </summary>
    private void CarryOverQueuedOperatorMessage()
    {
        if (_responses.HoldsOperatorMessage && _responses.TryDequeue(out var instructions, out _) && instructions is not null)
        {
            _sayDue ??= instructions;
        }
    }

    private bool TryBeginOperatorCommand(CallControlRequest request, out ICallControl control, out string callSid, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out CallCommandResult? refusal)
    {
        lock (_gate)
        {
            control = NoCallControl.Instance;
            callSid = _logScope.CallSid ?? string.Empty;
            if (_end.Task.IsCompleted)
            {
                refusal = new CallCommandResult(CallCommandOutcome.NotFound, "the call has ended");
                return false;
            }

            if (_operatorCommand is not null)
            {
                refusal = new CallCommandResult(CallCommandOutcome.Conflict, "another operator command is changing this call");
                return false;
            }

            _operatorCommand = request;
            // Listed calls are signed for their CallSid; the check stays here so no other call can reach the API.
            if (_model?.Configuration.CallControlAllowed == true && _services.CallControl is { } callControl)
            {
                control = callControl;
            }

            refusal = null;
            return true;
        }
    }

    private void EndOperatorCommand()
    {
        lock (_gate)
        {
            _operatorCommand = null;
        }
    }

    /// <summary>
    /// The call ended while the API was at work: when its stream stopped because of the command (Twilio stops it once
    /// the call is updated), the command is what ended it.
    /// </summary>
    private CallCommandResult EndedMeanwhile(CallControlRequest request, string done) =>
        _end.Task.IsCompletedSuccessfully && _end.Task.Result.Reason == request.Reason
            ? new CallCommandResult(CallCommandOutcome.Done, done)
            : new CallCommandResult(CallCommandOutcome.NotFound, "the call ended meanwhile");

    /// <summary>The API call, bounded like the agent's own; a null outcome when the call ended first.</summary>
    private async Task<(CallControlOutcome? Outcome, string Detail)> RunOperatorControlAsync(
        CallControlRequest request,
        Func<CancellationToken, Task<(CallControlOutcome Outcome, string Detail)>> action,
        CancellationToken cancellationToken)
    {
        // The telephony API's HTTP request is this span's child (this flow only).
        var span = _trace.StartCallControl(request.Number is not null, request.Reason == CallEndReason.MachineHungUp ? "answering_machine" : "operator");
        System.Diagnostics.Activity.Current = span ?? System.Diagnostics.Activity.Current;
        using var timeout = new CancellationTokenSource(_options.CallControlTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _callToken, cancellationToken);
        (CallControlOutcome? Outcome, string Detail) result;
        try
        {
            result = await action(linked.Token);
        }
        catch (OperationCanceledException) when (_callToken.IsCancellationRequested)
        {
            Diagnostics.CallTrace.EndCallControl(span, outcome: null);
            return (null, "the call ended");
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
        {
            result = (CallControlOutcome.Failed, "the telephony API did not answer in time");
        }

        Diagnostics.CallTrace.EndCallControl(span, result.Outcome);

        Log.CallControlFinished(_logger, "operator", result.Outcome.ToString()!, result.Detail);
        return _end.Task.IsCompleted && result.Outcome != CallControlOutcome.Done ? (null, "the call ended") : result;
    }
}
