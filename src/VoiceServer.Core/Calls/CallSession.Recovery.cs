using VoiceServer.Conversation;

namespace VoiceServer.Calls;

/// <summary>
/// Replacing the model session mid-call without the caller's socket noticing: after a drop (network error, 1001 at
/// the provider's cap, 1011-style closes, server errors) and, proactively, before the cap at a quiet moment.
/// </summary>
/// <remarks>
/// One procedure serves both (docs/reference/barge-in-and-call-control.md §10): caller audio goes to the pending buffer, a new
/// connection gets the same session, the conversation so far is replayed as text, the buffered audio is flushed to
/// it, and from then on it is the call's model. Attempts are retried with Polly's exponential backoff with jitter
/// (<see cref="CallSessionOptions.ReconnectRetryDelay"/> up to <see cref="CallSessionOptions.ReconnectMaxRetryDelay"/>)
/// until <see cref="CallSessionOptions.ReconnectTimeout"/>; then the call ends with
/// <see cref="CallEndReason.ModelReconnectFailed"/>.
/// </remarks>
public sealed partial class CallSession
{
    private const string ReconnectApology =
        "The phone line dropped for a few seconds. Briefly apologise to the caller for the interruption, then carry on where the conversation left off.";

    private bool _callerTurnOpen;

    /// <summary>
    /// A model connection's receive loop ended. <paramref name="recovery"/> is null when a new session would fail
    /// the same way; then, as for any loss before the call was ready, the call ends with <paramref name="reason"/>.
    /// </summary>
    void IModelConnectionEvents.OnLost(ModelConnection connection, RecoveryCause? recovery, CallEndReason reason, string detail)
    {
        lock (_gate)
        {
            connection.IsLost = true;
            if (ReferenceEquals(_outOfBandActiveOn, connection))
            {
                _outOfBandActiveOn = null;
            }

            if (_handoff is { Summary: not null } summarising && ReferenceEquals(summarising.Connection, connection))
            {
                // The origin's session cannot write the summary any more: the last turns go at once.
                FinishHandoffSummary(summarising, text: null, "the origin's model session was lost");
            }

            if (_handoff?.Trim is { } trim && ReferenceEquals(trim.Connection, connection))
            {
                trim.Fail("the model session was lost");
            }

            if (!ReferenceEquals(_model, connection) || _end.Task.IsCompleted)
            {
                return;
            }

            if (recovery is { } cause && _ready.Task.IsCompleted)
            {
                // A recycle already under way replaces this connection anyway.
                if (!_replacement.IsUnderWay)
                {
                    BeginRecovery(connection, cause, detail);
                }

                return;
            }

            End(reason, detail);
        }
    }

    // Called under _gate.
    private void RecoverFromServerError(ModelConnection connection, string detail)
    {
        if (ReferenceEquals(_model, connection) && _ready.Task.IsCompleted && !_replacement.IsUnderWay && !_end.Task.IsCompleted)
        {
            BeginRecovery(connection, RecoveryCause.ServerError, detail);
        }
    }

    // Called under _gate: caller audio is buffered from here until a replacement takes over.
    private void BeginRecovery(ModelConnection previous, RecoveryCause cause, string detail)
    {
        if (!_replacement.TryBegin(cause))
        {
            End(CallEndReason.ModelReconnectFailed, $"{detail}; the session was already replaced {_options.MaxReconnects} times");
            return;
        }

        _audioFlowing = false;
        CancelIdleTimer(callerActivity: false);
        _recycle.Cancel();
        Log.ModelSessionReplacing(_logger, ModelReplacement.ToName(cause), detail);
        _retirements.Add(RecoverAsync(previous, cause, previous.Configuration));
    }

    /// <summary>Replaces <paramref name="previous"/> with a session of <paramref name="configuration"/>: its own again, or a handoff destination's.</summary>
    private async Task RecoverAsync(ModelConnection previous, RecoveryCause cause, CallConfiguration configuration)
    {
        // Started under _gate: continue off the lock.
        await Task.Yield();
        var startedAt = _time.GetTimestamp();
        var result = await _replacement.RunAsync(
            async (attempt, token) =>
            {
                var replacement = TryStartReplacement(configuration, token);
                if (replacement is null)
                {
                    return (ReplacementAttempt.CallEnded, null);
                }

                // A handoff's summary is written by the old session while the new one opens; the switch waits for it.
                if (await replacement.Ready && await WaitForHandoffSummaryAsync(cause) && TrySwitchTo(replacement, cause, startedAt, attempt))
                {
                    await RetireAsync(previous);
                    return (ReplacementAttempt.Switched, null);
                }

                await RetireAsync(replacement);
                var outcome = replacement.FailureIsPermanent || token.IsCancellationRequested ? ReplacementAttempt.FailedForGood : ReplacementAttempt.Failed;
                return (outcome, replacement.Failure ?? "the new connection was lost");
            },
            _callToken);

        if (result.Outcome is ReplacementAttempt.Failed or ReplacementAttempt.FailedForGood)
        {
            GiveUpRecovery(previous, cause, startedAt, result.Attempts, result.Problem);
        }
    }

    private ModelConnection? TryStartReplacement(CallConfiguration configuration, CancellationToken deadline)
    {
        var connection = NewModelConnection(configuration);
        lock (_gate)
        {
            // Teardown closes what is in the list: nothing may join it once the call has ended.
            if (_end.Task.IsCompleted)
            {
                return null;
            }

            _connections.Add(connection);
        }

        connection.Ready = connection.SetUpAsync(_callToken, deadline);
        return connection;
    }

    /// <summary>Makes the confirmed replacement the call's model: replay, flush, resume. False if it is too late.</summary>
    private bool TrySwitchTo(ModelConnection replacement, RecoveryCause cause, long startedAt, int attempts)
    {
        lock (_gate)
        {
            if (_end.Task.IsCompleted || replacement.IsLost)
            {
                return false;
            }

            var leg = replacement.Leg!;
            _model = replacement;
            _playback.Reset();
            _callerTurnOpen = false;
            // The old session's speech events will never finish: on the new one, nobody is speaking yet.
            _services.Observer?.OnSpeech(Speaker.Caller, started: false);
            _services.Observer?.OnSpeech(Speaker.Agent, started: false);

            var handoff = cause == RecoveryCause.Handoff ? _handoff : null;
            if (handoff is not null)
            {
                RecordTakeOver(replacement, handoff);
            }
            else
            {
                // A replacement after a drop or a recycle stays in its agent's segment.
                replacement.RecordSegment = _record.CurrentSegment;
            }

            var turns = handoff?.Target is not null ? HandoffTurns(handoff) : _transcript.RecentTurnsWithItems(_options.MaxReplayCharacters);
            foreach (var (speaker, text, turnId) in turns)
            {
                // The session names the replayed item itself: it is tied to its turn by the order it arrives in.
                replacement.Items.ExpectTextItem(turnId);
                if (!leg.TryAddConversationItem(speaker, text))
                {
                    End(CallEndReason.SlowPeer, "the model is not accepting messages");
                    return true;
                }
            }

            if (handoff is not null && HandoffSummaryMessage(handoff) is { } summary && !leg.TryAddSystemMessage(summary))
            {
                End(CallEndReason.SlowPeer, "the model is not accepting messages");
                return true;
            }

            var elapsed = _time.GetElapsedTime(startedAt);
            // The old session's responses are gone with it, tool calls included; the new one has none until asked.
            // Only an operator's message still waiting is kept: it was promised.
            CarryOverQueuedOperatorMessage();
            _responses.Reset();
            _tools.Reset();
            // A short gap goes unremarked (the conversation simply continues); a long one deserves a word. Not while
            // the line is held (awaiting the verdict, leaving a voicemail message): nobody has heard the agent, and
            // the apology could land on a recording. A verdict that came meanwhile has the new session open the call
            // instead, or, when the time limit passed meanwhile, only say goodbye: that person heard no agent to miss.
            // Nor when the call began ending meanwhile: an apology and a promise to carry on, then at once the
            // goodbye, would contradict each other; the goodbye alone is said.
            var verdictCame = _conversationDue;
            var opening = TakeDueOpening(replacement.Configuration);
            var apologise = handoff is null && !verdictCame && !HoldsCallerAudio && !_goodbye.IsUnderWay && cause != RecoveryCause.Recycle && elapsed >= _options.ReconnectNoticeAfter;
            var firstWords = handoff is not null ? TakeOver(handoff) : opening ?? (apologise ? ReconnectApology : null);
            if (firstWords is not null && !_responses.TrySend(leg, WithPersona(replacement.Configuration, firstWords)))
            {
                End(CallEndReason.SlowPeer, "the model is not accepting messages");
                return true;
            }

            // Before the buffered audio, like the first words, so server VAD cannot answer first.
            SayIfDue();
            if (_end.Task.IsCompleted)
            {
                return true;
            }

            var buffered = _pendingAudio.FrameCount;
            if (!_pendingAudio.Flush(leg, static (modelLeg, frame) => modelLeg.TryAppendAudio(frame)))
            {
                End(CallEndReason.SlowPeer, "the model is not keeping up with caller audio");
                return true;
            }

            _replacement.Finish();
            _audioFlowing = true;
            if (handoff is not null)
            {
                _handoff = null;
                _logScope.AgentId = replacement.Configuration.AgentId;
                Log.HandedOver(_logger, handoff.FromAgentId, handoff.ToAgentId, turns.Count);
            }
            else
            {
                _record.OnModelReplaced();
            }

            // A goodbye the old session was asked for (or was carrying) is asked of the new one.
            _goodbye.OnModelReplaced();
            RequestGoodbyeIfQuiet();
            SendKeys();
            ArmIdleTimerIfQuiet();
            StartRecycleTimers(replacement);
            _metrics.ModelReconnected(ModelReplacement.ToName(cause), "recovered", elapsed);
            Log.ModelSessionReplaced(_logger, ModelReplacement.ToName(cause), (long)elapsed.TotalMilliseconds, attempts, turns.Count, buffered, apologise);
            return true;
        }
    }

    /// <summary>
    /// Called under _gate when a handoff's destination takes the call on <paramref name="connection"/> (its configuration
    /// the destination's): the record's next segment begins, billed what that session reports, and the turns from now on are its.
    /// </summary>
    private void RecordTakeOver(ModelConnection connection, PendingHandoff handoff)
    {
        connection.RecordSegment = _record.OnHandedOver(connection.Configuration.AgentId, connection.Configuration.Model, handoff.Reason);
        _transcript.AgentId = connection.Configuration.AgentId;
    }

    private void GiveUpRecovery(ModelConnection previous, RecoveryCause cause, long startedAt, int attempts, string problem)
    {
        lock (_gate)
        {
            if (_end.Task.IsCompleted)
            {
                return;
            }

            var elapsed = _time.GetElapsedTime(startedAt);
            _metrics.ModelReconnected(ModelReplacement.ToName(cause), "failed", elapsed);
            if (cause is RecoveryCause.Recycle or RecoveryCause.Handoff && !previous.IsLost &&
                _pendingAudio.Flush(previous.Leg!, static (modelLeg, frame) => modelLeg.TryAppendAudio(frame)))
            {
                // The old session still works until the provider's cap: keep it; the cap's close is recovered then.
                // A handoff whose destination's session never came up leaves the call with the agent it had.
                _replacement.Finish();
                _audioFlowing = true;
                Log.ModelSessionRecycleFailed(_logger, attempts, problem);
                if (cause == RecoveryCause.Handoff && _handoff is { } handoff)
                {
                    _handoff = null;
                    FailHandoff(handoff, "that agent's session could not be started; the call goes on with you", answered: true);
                }

                // What was asked for meanwhile (a verdict's opening, an operator's message, a goodbye or voicemail message) is asked of the kept session.
                StartConversationIfDue();
                SayIfDue();
                RequestGoodbyeIfQuiet();
                return;
            }

            End(
                CallEndReason.ModelReconnectFailed,
                $"no new model session within {_options.ReconnectTimeout.TotalSeconds:0.#} s after {attempts} attempt(s): {problem}");
        }
    }

    // Called under _gate whenever audio starts flowing on a connection.
    private void StartRecycleTimers(ModelConnection connection) => _recycle.Start(connection.StartedAt);

    void IRecycleEvents.OnRecycleDue(bool urgent)
    {
        lock (_gate)
        {
            if (_end.Task.IsCompleted || _replacement.IsUnderWay)
            {
                return;
            }

            _recycle.OnDue(urgent);
            Log.ModelSessionRecycleDue(_logger, urgent);
            RecycleIfQuiet();
        }
    }

    /// <summary>
    /// Called under _gate when the call may have become quiet. Quiet: no response active, nothing left playing, the
    /// caller not in the middle of a turn. Past the deadline, only the response has to be finished.
    /// </summary>
    private void RecycleIfQuiet()
    {
        if (!_recycle.IsDue || _replacement.IsUnderWay || !_audioFlowing || _end.Task.IsCompleted || _model is not { } current)
        {
            return;
        }

        // Nothing may be in flight that the switch would drop: a response, one asked for, a tool, a goodbye.
        var idle = _playback.ActiveResponseId is null && !_responses.IsRequested && !_responses.IsQueued && _tools.IsIdle && !_goodbye.IsUnderWay && _handoff is null;
        var quiet = idle && (_recycle.IsUrgent || (!_playback.IsPlaying && !_callerTurnOpen));
        if (quiet)
        {
            BeginRecovery(current, RecoveryCause.Recycle, _recycle.IsUrgent ? "the session nears the provider's cap" : "a quiet moment before the provider's cap");
        }
    }

    /// <summary>Response instructions replace the session's for that response only, so the persona comes along.</summary>
    private static string WithPersona(CallConfiguration configuration, string instructions) =>
        string.IsNullOrEmpty(configuration.Prompt) ? instructions : configuration.Prompt + "\n\n" + instructions;
}
