using VoiceServer.Handoffs;
using VoiceServer.Tools;

namespace VoiceServer.Calls;

/// <summary>
/// A handoff in place: when the destination's session would be the same session (same voice, model and key, so the
/// same endpoint; the same transcription language and noise reduction, which an update cannot reliably clear) and
/// the origin chose the <c>full</c> context, the live session is updated with <c>session.update</c> to the new agent's
/// instructions, tools and turn detection instead of being replaced: no new connection, no gap, nothing to replay.
/// The caller's audio keeps flowing meanwhile. With <c>last_turns</c> or <c>summary</c> the session is still
/// replaced: trimming a live conversation would need every item id of it (tool calls, replayed items), which the call
/// does not track, and anything left behind would tell the new agent more than the origin chose.
/// </summary>
public sealed partial class CallSession
{
    /// <summary>Called under _gate: whether <paramref name="handoff"/>'s destination can take over the live session.</summary>
    private bool CanHandOverInPlace(PendingHandoff handoff)
    {
        var current = handoff.Connection.Configuration;
        var next = handoff.Target!.Configuration;
        return handoff.Target.Context == HandoffContext.Full &&
            ReferenceEquals(_model, handoff.Connection) && !handoff.Connection.IsLost && !_replacement.IsUnderWay &&
            string.Equals(current.Voice, next.Voice, StringComparison.Ordinal) &&
            string.Equals(current.Model, next.Model, StringComparison.Ordinal) &&
            string.Equals(current.ApiKey, next.ApiKey, StringComparison.Ordinal) &&
            string.Equals(current.Language, next.Language, StringComparison.Ordinal) &&
            string.Equals(current.NoiseReduction, next.NoiseReduction, StringComparison.Ordinal);
    }

    // Called under _gate from SwitchToHandoff: the origin's turn is over; the update goes out off the lock.
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
}
