using System.Text;
using Microsoft.Extensions.Logging;
using VoiceServer.Records;

namespace VoiceServer.Calls;

/// <summary>
/// The <c>summary</c> context of a handoff: the origin's model session, still open, is asked for an out-of-band text
/// response (outside the conversation, text only, no tools, tagged in its metadata) while the destination's session
/// opens. Its text never reaches the caller, the transcript or barge-in: the model leg reports it apart from the
/// conversation's responses. The new agent gets it as a <c>system</c> message. The request waits for the origin's
/// active response (one response at a time), and after <see cref="CallSessionOptions.HandoffSummaryTimeout"/> or a
/// failed response the last turns are replayed instead.
/// </summary>
public sealed partial class CallSession
{
    /// <summary>The out-of-band tag of a summary response.</summary>
    private const string HandoffSummaryPurpose = "handoff_summary";

    /// <summary>Turns replayed when no summary came (the main app's own default for <c>last_turns</c>).</summary>
    private const int SummaryFallbackTurns = 6;

    private const string HandoffSummaryInstructions =
        "Write a summary of this phone call so far for the agent who takes it over next. Say who the caller is if known, " +
        "what they want, what has been done, decided or promised, and what is still open. Plain text, at most 120 words, " +
        "no greeting, and do not address the caller.";

    private int _outOfBandRequests;

    // The connection whose out-of-band summary is under way: until its response.done no other response may start there.
    private ModelConnection? _outOfBandActiveOn;

    /// <summary>Called under _gate: an out-of-band response of the current session is under way (one response at a time).</summary>
    private bool OutOfBandResponseActive => _outOfBandActiveOn is not null && ReferenceEquals(_outOfBandActiveOn, _model);

    // Called under _gate as a summary handoff's replacement begins: the summary is asked for now, or once the origin's
    // active response is done.
    private void BeginHandoffSummary(PendingHandoff handoff)
    {
        var summary = new HandoffSummary($"voice_server_summary_{++_outOfBandRequests}");
        handoff.Summary = summary;
        summary.Timer = _time.CreateTimer(static state => ((CallSession)state!).OnHandoffSummaryTimedOut(), this, _options.HandoffSummaryTimeout, Timeout.InfiniteTimeSpan);
        RequestHandoffSummaryIfFree(handoff);
    }

    /// <summary>Called under _gate: sends the waiting summary request unless a response of the origin is active or asked for.</summary>
    private void RequestHandoffSummaryIfFree(PendingHandoff handoff)
    {
        if (handoff.Summary is not { IsWaiting: true } summary)
        {
            return;
        }

        if (_playback.ActiveResponseId is not null || _responses.IsRequested)
        {
            Log.HandoffSummaryWaiting(_logger, handoff.FromAgentId);
            return;
        }

        summary.IsWaiting = false;
        if (handoff.Connection.IsLost || !handoff.Connection.Leg!.TryCreateOutOfBandResponse(HandoffSummaryInstructions, HandoffSummaryPurpose, summary.EventId))
        {
            FinishHandoffSummary(handoff, text: null, "the origin's model session is not accepting messages");
            return;
        }

        _outOfBandActiveOn = handoff.Connection;
        Log.HandoffSummaryRequested(_logger, handoff.FromAgentId);
    }

    /// <summary>Called under _gate: <paramref name="connection"/>'s out-of-band response is over; a response queued meanwhile may go.</summary>
    private void OnOutOfBandResponseOver(ModelConnection connection)
    {
        if (!ReferenceEquals(_outOfBandActiveOn, connection))
        {
            return;
        }

        _outOfBandActiveOn = null;
        if (IsCurrent(connection))
        {
            OnResponseDoneForQueue();
            RequestGoodbyeIfQuiet();
        }
    }

    /// <summary>Called under _gate: the summary arrived (<paramref name="text"/>) or will not (<paramref name="problem"/>).</summary>
    private void FinishHandoffSummary(PendingHandoff handoff, string? text, string? problem)
    {
        if (handoff.Summary is not { } summary || summary.Completion.Task.IsCompleted)
        {
            return;
        }

        summary.Timer?.Dispose();
        summary.IsWaiting = false;
        summary.Text = text;
        if (text is null)
        {
            Log.HandoffSummaryFailed(_logger, handoff.FromAgentId, handoff.ToAgentId, problem ?? "unknown", handoff.Target?.LastTurns ?? SummaryFallbackTurns);
        }
        else
        {
            Log.HandoffSummaryReceived(_logger, handoff.FromAgentId, text.Length);
        }

        summary.Completion.TrySetResult();
    }

    private void OnHandoffSummaryTimedOut()
    {
        lock (_gate)
        {
            if (_handoff is { Summary: not null } handoff)
            {
                FinishHandoffSummary(handoff, text: null, $"no summary within {_options.HandoffSummaryTimeout.TotalSeconds:0.#} s");
            }
        }
    }

    void IModelConnectionEvents.OnOutOfBandResponseDone(ModelConnection connection, string responseId, string purpose, string status, string? text, ModelUsage? usage)
    {
        lock (_gate)
        {
            // Billed like any response (to the segment of the agent whose session wrote it), but nothing else of it
            // touches the conversation's state.
            if (usage is { } tokens)
            {
                _record.OnUsage(tokens, connection.RecordSegment);
                _metrics.ModelTokensUsed(tokens);
            }

            OnOutOfBandResponseOver(connection);

            if (purpose != HandoffSummaryPurpose || _handoff is not { Summary: not null } handoff || !ReferenceEquals(handoff.Connection, connection))
            {
                return;
            }

            if (status == "completed" && !string.IsNullOrWhiteSpace(text))
            {
                FinishHandoffSummary(handoff, text.Trim(), problem: null);
            }
            else
            {
                FinishHandoffSummary(handoff, text: null, $"the summary response ended {status}{(status == "completed" ? " without text" : string.Empty)}");
            }
        }
    }

    void IModelConnectionEvents.OnRequestRefused(ModelConnection connection, string eventId)
    {
        lock (_gate)
        {
            if (OnTrimRefused(connection, eventId))
            {
                return;
            }

            if (_handoff is { Summary: { } summary } handoff && ReferenceEquals(handoff.Connection, connection) && summary.EventId == eventId)
            {
                OnOutOfBandResponseOver(connection);
                FinishHandoffSummary(handoff, text: null, "the model refused the summary request");
            }
        }
    }

    /// <summary>Called under _gate after each response of the current connection is done: a summary waiting for it goes now.</summary>
    private void OnResponseDoneForHandoffSummary(ModelConnection connection)
    {
        if (_handoff is { Summary.IsWaiting: true } handoff && ReferenceEquals(handoff.Connection, connection))
        {
            RequestHandoffSummaryIfFree(handoff);
        }
    }

    /// <summary>
    /// Completes once a handoff's summary is in or given up (at once when there is none to wait for), or the call ends;
    /// always true, to sit in the switch's condition.
    /// </summary>
    private async Task<bool> WaitForHandoffSummaryAsync(RecoveryCause cause)
    {
        Task? summary;
        lock (_gate)
        {
            summary = cause == RecoveryCause.Handoff ? _handoff?.Summary?.Completion.Task : null;
        }

        if (summary is not null)
        {
            await Task.WhenAny(summary, _end.Task);
        }

        return true;
    }

    /// <summary>The system message that tells the new agent the summary and what it was handed; null without a summary.</summary>
    private static string? HandoffSummaryMessage(PendingHandoff handoff)
    {
        if (handoff.Summary?.Text is not { } text)
        {
            return null;
        }

        var message = new StringBuilder("Summary of the call so far, written for you when agent ")
            .Append(handoff.FromAgentId).Append(" handed it over (the caller has not heard it): ").Append(text);
        if (!string.IsNullOrWhiteSpace(handoff.Reason))
        {
            message.Append("\nWhy it was handed over: ").Append(handoff.Reason);
        }

        if (handoff.ArgumentsJson is { } arguments)
        {
            message.Append("\nWhat you were handed: ").Append(arguments);
        }

        return message.ToString();
    }

    /// <summary>A summary asked of the origin's session for one handoff.</summary>
    private sealed class HandoffSummary(string eventId)
    {
        /// <summary>The request's <c>event_id</c>, so an <c>error</c> refusing it ends the wait at once.</summary>
        public string EventId { get; } = eventId;

        /// <summary>Not sent yet: a response of the origin is active or asked for.</summary>
        public bool IsWaiting { get; set; } = true;

        public ITimer? Timer { get; set; }

        /// <summary>The summary; null when it failed or timed out (the last turns are replayed instead).</summary>
        public string? Text { get; set; }

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal static partial class Log
    {
        [LoggerMessage(189, LogLevel.Debug, "The configuration of agent {ToAgentId} arrived (context {Context}); the handoff waits for the current turn to end.")]
        public static partial void HandoffDestinationFetched(ILogger logger, string toAgentId, string context);

        [LoggerMessage(190, LogLevel.Information, "Asked agent {FromAgentId}'s model for a summary of the call for the next agent (out of band).")]
        public static partial void HandoffSummaryRequested(ILogger logger, string fromAgentId);

        [LoggerMessage(191, LogLevel.Debug, "The summary for the next agent waits for agent {FromAgentId}'s active response to finish.")]
        public static partial void HandoffSummaryWaiting(ILogger logger, string fromAgentId);

        [LoggerMessage(192, LogLevel.Information, "Agent {FromAgentId}'s model summarised the call in {Characters} characters for the next agent.")]
        public static partial void HandoffSummaryReceived(ILogger logger, string fromAgentId, int characters);

        [LoggerMessage(193, LogLevel.Warning, "No summary for the handoff from agent {FromAgentId} to {ToAgentId} ({Problem}): the last {Turns} turn(s) are told instead.")]
        public static partial void HandoffSummaryFailed(ILogger logger, string fromAgentId, string toAgentId, string problem, int turns);

        [LoggerMessage(194, LogLevel.Information, "Agent {FromAgentId} hands the call to {ToAgentId} in place: same voice, model and key, so the live session is updated.")]
        public static partial void HandoffInPlace(ILogger logger, string fromAgentId, string toAgentId);

        [LoggerMessage(195, LogLevel.Information, "The call was handed from agent {FromAgentId} to {ToAgentId} in place: the session carries on with the new agent's configuration.")]
        public static partial void HandedOverInPlace(ILogger logger, string fromAgentId, string toAgentId);
    }
}
