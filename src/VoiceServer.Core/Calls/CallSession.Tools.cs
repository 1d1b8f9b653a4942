using System.Diagnostics;
using VoiceServer.Conversation;
using VoiceServer.Diagnostics;
using VoiceServer.Tools;

namespace VoiceServer.Calls;

/// <summary>
/// Function calling (docs/reference/barge-in-and-call-control.md §7–9): webhook tools run off the audio path with a timeout, their
/// output goes back as <c>function_call_output</c>, and one response is requested once the response that called them
/// is done and every output is in. Built-ins: <c>end_call</c> hangs up after the goodbye has played,
/// <c>transfer_call</c> redirects the live call to an allowed number, <c>transfer_to_agent</c> hands it to another agent
/// (CallSession.Handoff.cs). A failing tool never ends the call.
/// </summary>
public sealed partial class CallSession
{
    private const string TransferAnnouncement = "Tell the caller, in one short sentence, that you are transferring them now.";
    private const string HangUpGoodbye = "Say a brief, friendly goodbye to the caller now, in one sentence.";

    private string? _lastAudioResponseId;

    // Called under _gate by the current model connection.
    private void HandleFunctionCall(ModelConnection connection, string responseId, string toolCallId, string name, string argumentsJson)
    {
        if (_end.Task.IsCompleted || !_audioFlowing)
        {
            return;
        }

        var leg = connection.Leg!;
        if (_playback.IsDiscarded(responseId))
        {
            // A cancelled response can leave truncated arguments: such a call is not run.
            Log.ToolCallDiscarded(_logger, name);
            EndToolSpan(_trace.StartTool(name, toolCallId, responseId, "discarded"), "discarded");
            return;
        }

        _tools.OnCall(responseId);
        var action = ToolCalls.Route(connection.Configuration, name, argumentsJson, _goodbye.IsUnderWay, _services.Tools is not null);
        var toolSpan = _trace.StartTool(name, toolCallId, responseId, ToolKindName(action.Kind));
        if (action.Kind != ToolCallKind.Webhook)
        {
            // Built-ins are decided here; what they start (the goodbye, the hang-up or transfer, the handoff) has its own span.
            EndToolSpan(toolSpan, action.Kind == ToolCallKind.Refused ? "refused" : "accepted");
        }

        switch (action.Kind)
        {
            case ToolCallKind.HangUp:
                BeginCallControlGoodbye(responseId, new CallControlRequest(CallEndReason.AgentHungUp, "the agent ended the call", Number: null), HangUpGoodbye);
                break;
            case ToolCallKind.Transfer:
                BeginCallControlGoodbye(responseId, new CallControlRequest(CallEndReason.Transferred, $"transferred to {action.Number}", action.Number), TransferAnnouncement);
                break;
            case ToolCallKind.Handoff:
                BeginHandoff(connection, responseId, toolCallId, action.AgentId!, argumentsJson);
                break;
            case ToolCallKind.Webhook:
                _tools.OnWebhookStarted(responseId);
                var invocation = new ToolInvocation(CallId, _logScope.CallSid, _logScope.AgentId, toolCallId, name, argumentsJson);
                Log.ToolStarted(_logger, name);
                _retirements.Add(RunToolAsync(connection, responseId, _services.Tools!, action.Tool!, invocation, toolSpan));
                break;
        }

        if (action.Output is { } output)
        {
            _tools.OnImmediateOutput(responseId, wantsResponse: !_goodbye.IsUnderWay);
            if (!leg.TryAddFunctionOutput(toolCallId, output))
            {
                End(CallEndReason.SlowPeer, "the model is not accepting messages");
            }
        }
    }

    private async Task RunToolAsync(ModelConnection connection, string responseId, IToolRunner runner, ToolDefinition tool, ToolInvocation invocation, Activity? span)
    {
        // Off the audio path: the pumps never wait for a tool.
        await Task.Yield();
        // The webhook's HTTP request is the tool span's child (this flow only).
        Activity.Current = span ?? Activity.Current;
        var started = _time.GetTimestamp();
        var outcome = "ok";
        string output;
        using var timeout = new CancellationTokenSource(_options.ToolTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _callToken);
        try
        {
            output = await runner.RunAsync(tool, invocation, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_callToken.IsCancellationRequested)
        {
            output = ToolOutput.Error($"the tool did not answer within {_options.ToolTimeout.TotalSeconds:0.#} s");
            outcome = "timeout";
        }
        catch (OperationCanceledException) when (_callToken.IsCancellationRequested)
        {
            EndToolSpan(span, "call_ended");
            return;
        }
        catch (Exception ex)
        {
            Log.ToolFailed(_logger, tool.Name, ex);
            output = ToolOutput.Error("the tool failed");
            outcome = "error";
        }

        EndToolSpan(span, outcome);
        Log.ToolFinished(_logger, tool.Name, (long)_time.GetElapsedTime(started).TotalMilliseconds);
        lock (_gate)
        {
            // Outputs belong to the session that made the call; after a replacement there is nobody to give them to.
            if (_end.Task.IsCompleted || !ReferenceEquals(_model, connection) || !_tools.IsWaitingFor(responseId))
            {
                return;
            }

            if (!connection.Leg!.TryAddFunctionOutput(invocation.ToolCallId, output))
            {
                End(CallEndReason.SlowPeer, "the model is not accepting messages");
                return;
            }

            if (_tools.OnOutputSent(responseId) && !TrySwitchToHandoff(responseId))
            {
                RequestToolFollowUp();
            }
        }
    }

    private static string ToolKindName(ToolCallKind kind) => kind switch
    {
        ToolCallKind.HangUp => "hang_up",
        ToolCallKind.Transfer => "transfer",
        ToolCallKind.Handoff => "handoff",
        ToolCallKind.Webhook => "webhook",
        _ => "refused",
    };

    /// <summary>Ends a tool span; only timeouts and failures are errors (a refused call is the model's mistake, answered).</summary>
    private static void EndToolSpan(Activity? span, string outcome)
    {
        if (span is null)
        {
            return;
        }

        span.SetTag(CallTracing.ToolOutcomeAttribute, outcome);
        if (outcome is "timeout" or "error")
        {
            span.SetTag(CallTracing.ErrorTypeAttribute, outcome);
            span.SetStatus(ActivityStatusCode.Error, outcome);
        }

        span.Stop();
    }

    // Called under _gate for every response.done of the current connection.
    private void OnToolResponseDone(string responseId)
    {
        if (_tools.OnResponseDone(responseId) && !TrySwitchToHandoff(responseId))
        {
            RequestToolFollowUp();
        }
    }

    /// <summary>Called under _gate: a response's tool calls are all answered and it is done; the model answers them.</summary>
    private void RequestToolFollowUp()
    {
        if (!_goodbye.IsUnderWay && _audioFlowing)
        {
            RequestResponse();
        }
    }

    // Called under _gate: end_call or transfer_call accepted; the goodbye (or announcement) plays first.
    private void BeginCallControlGoodbye(string carrierResponseId, CallControlRequest request, string instructions)
    {
        _goodbye.BeginAfterCarrier(carrierResponseId, request, instructions);
        DropQueuedResponse();
        CancelIdleTimer(callerActivity: false);
        Log.CallControlRequested(_logger, request.Reason.ToName());
    }

    private async Task RunCallControlAsync(CallControlRequest request)
    {
        await Task.Yield();
        // Only a configuration signed for this CallSid may act on a call through the API; any other ends its own socket.
        bool allowed;
        lock (_gate)
        {
            allowed = _model?.Configuration.CallControlAllowed == true;
        }

        var control = allowed ? _services.CallControl ?? NoCallControl.Instance : NoCallControl.Instance;
        var callSid = _logScope.CallSid;
        // The telephony API's HTTP request is this span's child (this flow only).
        var span = _trace.StartCallControl(request.Number is not null, request.Reason == CallEndReason.MachineHungUp ? "answering_machine" : "agent");
        Activity.Current = span ?? Activity.Current;
        (CallControlOutcome Outcome, string Detail) result;
        using var timeout = new CancellationTokenSource(_options.CallControlTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _callToken);
        try
        {
            result = callSid is null
                ? (CallControlOutcome.NotConfigured, "the call has no CallSid")
                : request.Number is { } number
                    ? await control.TransferAsync(callSid, number, linked.Token)
                    : await control.HangUpAsync(callSid, linked.Token);
        }
        catch (OperationCanceledException) when (_callToken.IsCancellationRequested)
        {
            CallTrace.EndCallControl(span, outcome: null);
            return;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
        {
            result = (CallControlOutcome.Failed, "the telephony API did not answer in time");
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the call must not stay stuck between its goodbye and its end.
            Log.UnexpectedFailure(_logger, ex);
            result = (CallControlOutcome.Failed, "the telephony API call failed");
        }

        CallTrace.EndCallControl(span, result.Outcome);

        Log.CallControlFinished(_logger, request.Reason.ToName(), result.Outcome.ToString(), result.Detail);
        lock (_gate)
        {
            if (_end.Task.IsCompleted)
            {
                return;
            }

            if (request.Number is null || result.Outcome == CallControlOutcome.Done)
            {
                // A hang-up without the API still ends the call: closing the socket ends <Connect>.
                End(request.Reason, result.Outcome == CallControlOutcome.Done ? request.Detail : $"{request.Detail} ({result.Detail}: the socket was closed instead)");
                return;
            }

            // The transfer did not happen: the call goes on, and the model is told so it can explain.
            var maxDurationReached = _goodbye.Abandon();
            const string failed = "The transfer failed. Tell the caller you could not transfer them and offer to help further.";
            if (!_audioFlowing)
            {
                return;
            }

            _model!.Items.ExpectTextItem(turnId: null);
            if (!_model.Leg!.TryAddConversationItem(Speaker.Caller, failed))
            {
                return;
            }

            RequestResponse();
            if (maxDurationReached)
            {
                // The call's time ran out during the attempt: its goodbye follows the explanation.
                Log.MaxDurationReached(_logger);
                BeginGoodbye(CallEndReason.MaxDuration, "maximum call duration reached", GoodbyeInstructions);
            }
        }
    }
}
