using System.Text;
using VoiceServer.Conversation;
using VoiceServer.Handoffs;
using VoiceServer.Tools;

namespace VoiceServer.Calls;

/// <summary>
/// Handing the call to another agent (<c>transfer_to_agent</c>): the destination's configuration is fetched from the
/// main app, signed for this call, off the audio path; once the response that called the tool is done and its other
/// tool calls have answered, the model session is replaced as after a drop (the caller's socket untouched, caller
/// audio buffered meanwhile), the chosen part of the conversation replayed (or a summary, CallSession.HandoffSummary.cs),
/// and the new agent speaks first. The Realtime API keeps a session's voice once it has spoken, so another voice gets a
/// session of its own; the same session's voice with the whole conversation is updated in place (CallSession.HandoffInPlace.cs).
/// A destination the main app does not give, or one handoff too many, is a tool error: the call goes on.
/// </summary>
public sealed partial class CallSession
{
    private const string TakeOverInstructions =
        "You have just taken over this phone call from another agent. Greet the caller briefly as yourself and carry on from where the conversation is.";

    private PendingHandoff? _handoff;
    private int _handoffs;

    // Called under _gate from HandleFunctionCall: transfer_to_agent named a listed destination.
    private void BeginHandoff(ModelConnection connection, string responseId, string toolCallId, string agentId, string argumentsJson)
    {
        string? refusal = null;
        if (_services.Handoffs is null || connection.Configuration.HandoffUrl is null || _logScope.CallSid is null)
        {
            refusal = "handing the call over is not available";
        }
        else if (_handoff is not null || _replacement.IsUnderWay)
        {
            refusal = "a handoff is already under way";
        }
        else if (_handoffs >= _options.MaxHandoffs)
        {
            refusal = $"this call has been handed over {_handoffs} times, the most allowed: carry on with the caller yourself";
        }

        if (refusal is not null)
        {
            Log.HandoffRefused(_logger, agentId, refusal);
            _tools.OnImmediateOutput(responseId, wantsResponse: true);
            if (!connection.Leg!.TryAddFunctionOutput(toolCallId, ToolOutput.Error(refusal)))
            {
                End(CallEndReason.SlowPeer, "the model is not accepting messages");
            }

            return;
        }

        _tools.OnWebhookStarted(responseId);
        var handoff = new PendingHandoff(connection, responseId, toolCallId, connection.Configuration.AgentId, agentId, ToolCalls.ReadString(argumentsJson, "reason"), ReadArguments(argumentsJson));
        _handoff = handoff;
        Log.HandoffStarted(_logger, handoff.FromAgentId, agentId);
        _retirements.Add(FetchHandoffAsync(handoff, connection.Configuration.HandoffUrl!, _logScope.CallSid!));
    }

    private async Task FetchHandoffAsync(PendingHandoff handoff, Uri url, string callSid)
    {
        // Off the audio path: the old agent goes on speaking (its announcement) while the destination is fetched.
        await Task.Yield();
        HandoffTarget? target;
        string? problem;
        using var timeout = new CancellationTokenSource(_options.ToolTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _callToken);
        try
        {
            (target, problem) = await _services.Handoffs!.FetchAsync(url, callSid, handoff.FromAgentId, handoff.ToAgentId, linked.Token);
        }
        catch (OperationCanceledException) when (_callToken.IsCancellationRequested)
        {
            return;
        }
        catch (OperationCanceledException)
        {
            (target, problem) = (null, "the main app did not answer in time");
        }
        catch (Exception ex)
        {
            Log.UnexpectedFailure(_logger, ex);
            (target, problem) = (null, "the destination could not be fetched");
        }

        lock (_gate)
        {
            if (_end.Task.IsCompleted || !ReferenceEquals(_handoff, handoff) || !ReferenceEquals(_model, handoff.Connection) || !_tools.IsWaitingFor(handoff.ResponseId))
            {
                // The session it was asked on is gone (replaced after a drop): the handoff goes with it.
                _handoff = ReferenceEquals(_handoff, handoff) ? null : _handoff;
                return;
            }

            if (target is null)
            {
                Log.HandoffFailed(_logger, handoff.FromAgentId, handoff.ToAgentId, problem ?? "unknown");
                _handoff = null;
                FailHandoff(handoff, "that agent cannot take the call; the call goes on with you", answered: false);
                return;
            }

            handoff.Target = target;
            Log.HandoffDestinationFetched(_logger, handoff.ToAgentId, target.Context.ToString());
            // The switch waits for the response that called the tool (its announcement) and its other tool calls.
            if (_tools.OnOutputSent(handoff.ResponseId))
            {
                SwitchToHandoff(handoff);
            }
        }
    }

    /// <summary>
    /// Called under _gate: the handoff's tool call is answered with an error, and the current agent speaks again once
    /// its response's tool calls are all in (at once when they were already <paramref name="answered"/>).
    /// </summary>
    private void FailHandoff(PendingHandoff handoff, string error, bool answered)
    {
        if (!handoff.Connection.Leg!.TryAddFunctionOutput(handoff.ToolCallId, ToolOutput.Error(error)))
        {
            End(CallEndReason.SlowPeer, "the model is not accepting messages");
            return;
        }

        if (answered || _tools.OnOutputSent(handoff.ResponseId))
        {
            RequestToolFollowUp();
        }
    }

    /// <summary>Called under _gate when a response's tool calls are all answered: true when a handoff takes it from here.</summary>
    private bool TrySwitchToHandoff(string responseId)
    {
        if (_handoff is not { Target: not null } handoff || handoff.ResponseId != responseId)
        {
            return false;
        }

        SwitchToHandoff(handoff);
        return true;
    }

    // Called under _gate: the destination is known and the old agent has finished its turn.
    private void SwitchToHandoff(PendingHandoff handoff)
    {
        var inPlace = CanHandOverInPlace(handoff) && CanTrimInPlace(handoff);
        if (_goodbye.IsUnderWay || (!inPlace && !_replacement.TryBegin(RecoveryCause.Handoff)))
        {
            _handoff = null;
            FailHandoff(handoff, "the call is ending", answered: true);
            return;
        }

        _handoffs++;
        if (handoff.Target!.Context == HandoffContext.Summary)
        {
            // Asked of the origin's session either way: in place, it is then trimmed down to the summary.
            BeginHandoffSummary(handoff);
        }

        if (inPlace)
        {
            HandOverInPlace(handoff);
            return;
        }

        _audioFlowing = false;
        CancelIdleTimer(callerActivity: false);
        _recycle.Cancel();
        Log.ModelSessionReplacing(_logger, ModelReplacement.ToName(RecoveryCause.Handoff), $"handed from {handoff.FromAgentId} to {handoff.ToAgentId}");
        _retirements.Add(RecoverAsync(handoff.Connection, RecoveryCause.Handoff, handoff.Target!.Configuration));
    }

    /// <summary>The turns the new agent is told, as the origin's handoff chose: none beside a summary, the last ones when it failed.</summary>
    private IReadOnlyList<(Speaker Speaker, string Text, string ItemId)> HandoffTurns(PendingHandoff handoff)
    {
        var turns = _transcript.RecentTurnsWithItems(_options.MaxReplayCharacters);
        var count = HandoffTurnCount(handoff);
        return turns.Count > count ? [.. turns.Skip(turns.Count - count)] : turns;
    }

    /// <summary>How many of the last turns the new agent is told (or, in place, keeps): none beside a summary.</summary>
    private static int HandoffTurnCount(PendingHandoff handoff) => handoff.Target switch
    {
        { Context: HandoffContext.LastTurns, LastTurns: { } last } => last,
        { Context: HandoffContext.Summary } when handoff.Summary?.Text is not null => 0,
        { Context: HandoffContext.Summary, LastTurns: var last } => last ?? SummaryFallbackTurns,
        _ => int.MaxValue,
    };

    /// <summary>What the new agent is asked to do first: take over, knowing why and what it was handed.</summary>
    private static string TakeOver(PendingHandoff handoff)
    {
        var text = new StringBuilder(TakeOverInstructions);
        text.Append(" The call was handed to you by agent ").Append(handoff.FromAgentId).Append('.');
        if (!string.IsNullOrWhiteSpace(handoff.Reason))
        {
            text.Append(" Why: ").Append(handoff.Reason);
        }

        if (handoff.ArgumentsJson is { } arguments)
        {
            text.Append(" What you were handed: ").Append(arguments);
        }

        return text.ToString();
    }

    /// <summary>The model's free-form <c>arguments</c>, as JSON text, when it passed an object.</summary>
    private static string? ReadArguments(string argumentsJson)
    {
        try
        {
            using var arguments = System.Text.Json.JsonDocument.Parse(argumentsJson);
            return arguments.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object &&
                arguments.RootElement.TryGetProperty("arguments", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.Object
                ? value.GetRawText()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>A handoff from the tool call until the new session takes over (or it fails).</summary>
    private sealed class PendingHandoff(ModelConnection connection, string responseId, string toolCallId, string fromAgentId, string toAgentId, string? reason, string? argumentsJson)
    {
        public ModelConnection Connection { get; } = connection;

        public string ResponseId { get; } = responseId;

        public string ToolCallId { get; } = toolCallId;

        public string FromAgentId { get; } = fromAgentId;

        public string ToAgentId { get; } = toAgentId;

        public string? Reason { get; } = reason;

        public string? ArgumentsJson { get; } = argumentsJson;

        /// <summary>Set once the destination was fetched.</summary>
        public HandoffTarget? Target { get; set; }

        /// <summary>For the <c>summary</c> context: the origin's summary, asked for at the switch.</summary>
        public HandoffSummary? Summary { get; set; }

        /// <summary>In place with <c>last_turns</c> or <c>summary</c>: the deletes sent and not yet confirmed.</summary>
        public ConversationTrim? Trim { get; set; }
    }
}
