using Microsoft.Extensions.Logging;
using VoiceServer.Handoffs;
using VoiceServer.Tools;

namespace VoiceServer.Calls;

/// <summary>
/// A handoff in place: when the destination's session would be the same session (same voice, model and key, so the
/// same endpoint; the same transcription language and noise reduction, which an update cannot reliably clear), the
/// live session is updated with <c>session.update</c> to the new agent's instructions, tools and turn detection
/// instead of being replaced: no new connection, no gap. The caller's audio keeps flowing meanwhile.
/// </summary>
/// <remarks>
/// With <c>last_turns</c> or <c>summary</c> the conversation is trimmed first: every item before the kept turns (before
/// the handoff's own call, beside a summary) is deleted by id (<see cref="ConversationItems"/>), the summary added as a
/// <c>system</c> message, and only once each delete is confirmed does the update go out. A list of items that cannot
/// be relied on, a delete refused or not confirmed in time: the session is replaced as for another voice, so the new
/// agent never gets a half-trimmed conversation.
/// </remarks>
public sealed partial class CallSession
{
    private int _itemDeletes;

    /// <summary>Called under _gate: whether <paramref name="handoff"/>'s destination can take over the live session.</summary>
    private bool CanHandOverInPlace(PendingHandoff handoff)
    {
        var current = handoff.Connection.Configuration;
        var next = handoff.Target!.Configuration;
        return ReferenceEquals(_model, handoff.Connection) && !handoff.Connection.IsLost && !_replacement.IsUnderWay &&
            string.Equals(current.Voice, next.Voice, StringComparison.Ordinal) &&
            string.Equals(current.Model, next.Model, StringComparison.Ordinal) &&
            string.Equals(current.ApiKey, next.ApiKey, StringComparison.Ordinal) &&
            string.Equals(current.Language, next.Language, StringComparison.Ordinal) &&
            string.Equals(current.NoiseReduction, next.NoiseReduction, StringComparison.Ordinal);
    }

    /// <summary>
    /// Called under _gate for a handoff that could be done in place: false (and why, logged) when its context needs the
    /// conversation trimmed and the session's list of items cannot be relied on.
    /// </summary>
    private bool CanTrimInPlace(PendingHandoff handoff)
    {
        if (handoff.Target!.Context == HandoffContext.Full || handoff.Connection.Items.Incomplete is not { } why)
        {
            return true;
        }

        Log.HandoffInPlaceFallback(_logger, handoff.FromAgentId, handoff.ToAgentId, why);
        return false;
    }

    // Called under _gate from SwitchToHandoff: the origin's turn is over; the trim and update go out off the lock.
    private void HandOverInPlace(PendingHandoff handoff)
    {
        CancelIdleTimer(callerActivity: false);
        Log.HandoffInPlace(_logger, handoff.FromAgentId, handoff.ToAgentId);
        _retirements.Add(ReconfigureForHandoffAsync(handoff));
    }

    private async Task ReconfigureForHandoffAsync(PendingHandoff handoff)
    {
        await Task.Yield();
        var target = handoff.Target!;
        if (target.Context != HandoffContext.Full && !await TrimForHandoffAsync(handoff))
        {
            return;
        }

        var problem = await handoff.Connection.ReconfigureAsync(target.Configuration, _callToken);
        lock (_gate)
        {
            if (_end.Task.IsCompleted || !ReferenceEquals(_handoff, handoff))
            {
                return;
            }

            _handoff = null;
            if (problem is null && !ReferenceEquals(_model, handoff.Connection))
            {
                // The session was lost meanwhile; its replacement was opened with the origin's configuration.
                problem = "the model session was replaced meanwhile";
            }

            if (problem is not null)
            {
                // An update applies whole or not at all: the session is still the origin's.
                _handoffs--;
                Log.HandoffFailed(_logger, handoff.FromAgentId, handoff.ToAgentId, problem);
                if (ReferenceEquals(_model, handoff.Connection))
                {
                    FailHandoff(handoff, "that agent's session could not be started; the call goes on with you", answered: true);
                }

                ArmIdleTimerIfQuiet();
                return;
            }

            // From here every tool call, webhook, log line, record segment, turn and later session of the call is the new agent's.
            handoff.Connection.Configuration = target.Configuration;
            _logScope.AgentId = target.Configuration.AgentId;
            RecordTakeOver(handoff.Connection, handoff);
            if (!handoff.Connection.Leg!.TryAddFunctionOutput(handoff.ToolCallId, ToolOutput.HandedOver(handoff.ToAgentId)))
            {
                End(CallEndReason.SlowPeer, "the model is not accepting messages");
                return;
            }

            // The new agent speaks first, after any response the caller started meanwhile.
            RequestResponse(TakeOver(handoff));
            Log.HandedOverInPlace(_logger, handoff.FromAgentId, handoff.ToAgentId);
        }
    }

    /// <summary>
    /// Deletes what the new agent is not to be told, once a summary is in or given up, and adds the summary; true once
    /// every delete is confirmed, false when the handoff went another way (the session replaced instead, or the call over).
    /// </summary>
    private async Task<bool> TrimForHandoffAsync(PendingHandoff handoff)
    {
        if (handoff.Summary is { } summary)
        {
            await Task.WhenAny(summary.Completion.Task, _end.Task);
        }

        ConversationTrim trim;
        lock (_gate)
        {
            if (!IsStillInPlace(handoff))
            {
                return false;
            }

            var count = HandoffTurnCount(handoff);
            var deletes = handoff.Connection.Items.PlanTrim(_transcript.LastTurnItemIds(count), handoff.ToolCallId, out var problem);
            if (deletes is null)
            {
                ReplaceForHandoff(handoff, problem!);
                return false;
            }

            trim = new ConversationTrim(handoff.Connection);
            handoff.Trim = trim;
            foreach (var itemId in deletes)
            {
                var eventId = $"voice_server_delete_{++_itemDeletes}";
                trim.Expect(itemId, eventId);
                if (!handoff.Connection.Leg!.TryDeleteItem(itemId, eventId))
                {
                    End(CallEndReason.SlowPeer, "the model is not accepting messages");
                    return false;
                }
            }

            Log.HandoffTrimming(_logger, handoff.FromAgentId, deletes.Count, count == 0 ? "none, beside the summary" : count == int.MaxValue ? "all" : count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            trim.CompleteIfDone();
        }

        // Confirmed within the same bound as the session.update that follows.
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_callToken))
        {
            await Task.WhenAny(trim.Completion.Task, Task.Delay(_options.SessionSetupTimeout, _time, timeout.Token));
            await timeout.CancelAsync();
        }

        lock (_gate)
        {
            handoff.Trim = null;
            if (!IsStillInPlace(handoff))
            {
                return false;
            }

            var problem = trim.Completion.Task.IsCompleted
                ? trim.Completion.Task.Result
                : $"the model did not confirm {trim.Outstanding} delete(s) within {_options.SessionSetupTimeout.TotalSeconds:0.#} s";
            if (problem is not null)
            {
                ReplaceForHandoff(handoff, problem);
                return false;
            }

            if (HandoffSummaryMessage(handoff) is { } message && !handoff.Connection.Leg!.TryAddSystemMessage(message))
            {
                End(CallEndReason.SlowPeer, "the model is not accepting messages");
                return false;
            }

            return true;
        }
    }

    /// <summary>
    /// Called under _gate while an in-place handoff trims: whether it may go on. A session lost or replaced meanwhile
    /// (its replacement is the origin's) takes the handoff with it, as a failed update does.
    /// </summary>
    private bool IsStillInPlace(PendingHandoff handoff)
    {
        if (_end.Task.IsCompleted || !ReferenceEquals(_handoff, handoff))
        {
            return false;
        }

        if (ReferenceEquals(_model, handoff.Connection) && !handoff.Connection.IsLost && !_replacement.IsUnderWay)
        {
            return true;
        }

        _handoff = null;
        _handoffs--;
        Log.HandoffFailed(_logger, handoff.FromAgentId, handoff.ToAgentId, "the model session was lost meanwhile");
        return false;
    }

    /// <summary>
    /// Called under _gate: the live conversation cannot be trimmed as the origin chose, so the session is replaced as
    /// for another voice (the summary, if any, is already in; the chosen turns are replayed).
    /// </summary>
    private void ReplaceForHandoff(PendingHandoff handoff, string why)
    {
        Log.HandoffInPlaceFallback(_logger, handoff.FromAgentId, handoff.ToAgentId, why);
        if (_goodbye.IsUnderWay || !_replacement.TryBegin(RecoveryCause.Handoff))
        {
            _handoff = null;
            _handoffs--;
            FailHandoff(handoff, "the call is ending", answered: true);
            return;
        }

        _audioFlowing = false;
        _recycle.Cancel();
        Log.ModelSessionReplacing(_logger, ModelReplacement.ToName(RecoveryCause.Handoff), $"handed from {handoff.FromAgentId} to {handoff.ToAgentId}");
        _retirements.Add(RecoverAsync(handoff.Connection, RecoveryCause.Handoff, handoff.Target!.Configuration));
    }

    /// <summary>Called under _gate from OnRequestRefused: true when the refused event was one of a trim's deletes.</summary>
    private bool OnTrimRefused(ModelConnection connection, string eventId)
    {
        if (_handoff?.Trim is not { } trim || !ReferenceEquals(trim.Connection, connection) || trim.ItemOf(eventId) is not { } itemId)
        {
            return false;
        }

        trim.Fail($"the model refused to delete item {itemId}");
        return true;
    }

    /// <summary>The deletes of one in-place trim, each awaited by its item id and recognised in an <c>error</c> by its event id.</summary>
    private sealed class ConversationTrim(ModelConnection connection)
    {
        private readonly HashSet<string> _outstanding = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _itemByEventId = new(StringComparer.Ordinal);

        public ModelConnection Connection { get; } = connection;

        /// <summary>Null once every delete is confirmed; otherwise why the trim failed.</summary>
        public TaskCompletionSource<string?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Outstanding => _outstanding.Count;

        public void Expect(string itemId, string eventId)
        {
            _outstanding.Add(itemId);
            _itemByEventId[eventId] = itemId;
        }

        public string? ItemOf(string eventId) => _itemByEventId.GetValueOrDefault(eventId);

        public void Confirm(string itemId)
        {
            _outstanding.Remove(itemId);
            CompleteIfDone();
        }

        public void CompleteIfDone()
        {
            if (_outstanding.Count == 0)
            {
                Completion.TrySetResult(null);
            }
        }

        public void Fail(string problem) => Completion.TrySetResult(problem);
    }

    internal static partial class Log
    {
        [LoggerMessage(196, LogLevel.Information, "Handing from agent {FromAgentId} in place: deleting {Deletes} earlier conversation item(s), keeping the last turns ({Turns}).")]
        public static partial void HandoffTrimming(ILogger logger, string fromAgentId, int deletes, string turns);

        [LoggerMessage(197, LogLevel.Warning, "The handoff from agent {FromAgentId} to {ToAgentId} cannot trim the live conversation ({Problem}): the session is replaced instead.")]
        public static partial void HandoffInPlaceFallback(ILogger logger, string fromAgentId, string toAgentId, string problem);
    }
}
