using VoiceServer.Audio;
using VoiceServer.Conversation;
using VoiceServer.Diagnostics;
using VoiceServer.Playback;
using VoiceServer.Records;

namespace VoiceServer.Calls;

/// <summary>The model → caller pump: the current model connection's events, agent audio, playback marks and barge-in.</summary>
public sealed partial class CallSession
{
    // Called under _gate by the current model connection.
    private void HandleAudioDelta(string responseId, string itemId, int contentIndex, ReadOnlySpan<byte> base64Audio)
    {
        if (!_audioFlowing)
        {
            return;
        }

        Span<byte> markName = stackalloc byte[MarkName.MaxLength];
        var audioBytes = Base64Length.GetDecodedLength(base64Audio);
        if (!_playback.TryTrackAudio(responseId, itemId, contentIndex, audioBytes, markName, out var markLength))
        {
            // A late delta of a response discarded by a barge-in: the caller must never hear it.
            return;
        }

        if (!_caller.TrySendAudio(base64Audio) || !_caller.TrySendMark(markName[..markLength]))
        {
            End(CallEndReason.SlowPeer, "the caller is not keeping up with agent audio");
            return;
        }

        var turn = _transcript.OnAgentAudio(itemId, audioBytes);
        // The first audio of a reply (ids are interned, so later deltas pass on the reference check).
        var firstAudio = !ReferenceEquals(_lastAudioResponseId, responseId) && !string.Equals(_lastAudioResponseId, responseId, StringComparison.Ordinal);
        if (firstAudio)
        {
            _services.Observer?.OnSpeech(Speaker.Agent, started: true);
        }

        _lastAudioResponseId = responseId;
        _metrics.FrameRelayed(RelayDirection.ModelToCaller);
        TimeSpan? responseLatency = null;
        if (_record.TryStopResponseClock(out var latency))
        {
            _metrics.ResponseStarted(latency);
            turn.ResponseLatencyMs ??= (long)latency.TotalMilliseconds;
            PublishTurn(turn);
            responseLatency = latency;
        }

        if (firstAudio)
        {
            _trace.OnFirstAudio(responseId, responseLatency);
        }
    }

    private void HandleAudioDone(string responseId, string itemId, int contentIndex)
    {
        if (!_audioFlowing)
        {
            return;
        }

        Span<byte> markName = stackalloc byte[MarkName.MaxLength];
        if (_playback.TryTrackAudioDone(responseId, itemId, contentIndex, markName, out var markLength) &&
            !_caller.TrySendMark(markName[..markLength]))
        {
            End(CallEndReason.SlowPeer, "the caller is not keeping up with agent audio");
        }
    }

    private void HandleSpeechStarted(ModelConnection connection)
    {
        if (!_audioFlowing || HoldsCallerAudio)
        {
            return;
        }

        var interrupted = _playback.ActiveResponseId;
        var plan = _playback.TryBargeIn(connection.ServerCancelsOnSpeech);
        if (plan is null)
        {
            return;
        }

        _trace.OnBargeIn(interrupted, plan);

        var bargeIns = _record.OnBargeIn();
        _services.Observer?.OnBargeIn(bargeIns);
        Log.BargeIn(_logger, plan.Truncations.Count, plan.CancelResponse);
        _metrics.BargeIn(plan.Truncations.Count);
        // The clear is what the caller hears, so it goes first.
        var leg = connection.Leg!;
        var sent = _caller.TrySendClear() && (!plan.CancelResponse || leg.TryCancelResponse());
        foreach (var truncation in plan.Truncations)
        {
            sent = sent && leg.TryTruncate(truncation.ItemId, truncation.ContentIndex, truncation.AudioEndMs);
            PublishTurn(_transcript.OnAgentTruncated(truncation.ItemId, truncation.AudioEndMs));
        }

        if (!sent)
        {
            End(CallEndReason.SlowPeer, "a peer is not accepting messages");
        }
    }

    private bool IsCurrent(ModelConnection connection) => ReferenceEquals(_model, connection);

    private ModelConnection NewModelConnection(CallConfiguration configuration) =>
        new(this, _connector, _options, _time, _logger, _metrics, configuration, _time.GetTimestamp())
        {
            AudioFormat = _audioFormat,
            Trace = _trace,
            IsReplacement = _model is not null,
            Items = new ConversationItems(_options.MaxTrackedItems),
        };

    string IModelConnectionEvents.NextSessionUpdateEventId() =>
        $"voice_server_session_update_{Interlocked.Increment(ref _sessionUpdateCount)}";

    void IModelConnectionEvents.OnFailed(ModelConnection connection, CallEndReason reason, string detail)
    {
        lock (_gate)
        {
            if (IsCurrent(connection))
            {
                End(reason, detail);
            }
        }
    }

    void IModelConnectionEvents.OnClosed(ModelConnection connection)
    {
        lock (_gate)
        {
            connection.IsLost = true;
        }
    }

    void IModelConnectionEvents.OnServerError(ModelConnection connection, string detail)
    {
        lock (_gate)
        {
            RecoverFromServerError(connection, detail);
        }
    }

    void IModelConnectionEvents.OnSpeechStarted(ModelConnection connection)
    {
        lock (_gate)
        {
            if (IsCurrent(connection))
            {
                _services.Observer?.OnSpeech(Speaker.Caller, started: true);
                _callerTurnOpen = true;
                CancelIdleTimer(callerActivity: true);
                // Logged once the turn is open and the idle timer off, before the barge-in it may start.
                Log.CallerSpeechStarted(_logger);
                HandleSpeechStarted(connection);
            }
        }
    }

    void IModelConnectionEvents.OnSpeechStopped(ModelConnection connection)
    {
        lock (_gate)
        {
            if (!IsCurrent(connection))
            {
                return;
            }

            _services.Observer?.OnSpeech(Speaker.Caller, started: false);
            // The response-latency clock starts here and stops at the first agent audio relayed.
            if (_audioFlowing)
            {
                _record.OnCallerStoppedSpeaking();
            }
        }
    }

    void IModelConnectionEvents.OnResponseCreated(ModelConnection connection, string responseId)
    {
        lock (_gate)
        {
            if (IsCurrent(connection))
            {
                _callerTurnOpen = false;
                CancelIdleTimer(callerActivity: false);
                _responses.OnCreated();
                _playback.OnResponseCreated(responseId);
                _goodbye.OnResponseCreated(responseId);
                _trace.OnResponseCreated(responseId);
            }
        }
    }

    void IModelConnectionEvents.OnAudioDelta(ModelConnection connection, string responseId, string itemId, int contentIndex, ReadOnlySpan<byte> base64Audio)
    {
        lock (_gate)
        {
            if (IsCurrent(connection))
            {
                HandleAudioDelta(responseId, itemId, contentIndex, base64Audio);
            }
        }
    }

    void IModelConnectionEvents.OnAudioDone(ModelConnection connection, string responseId, string itemId, int contentIndex)
    {
        lock (_gate)
        {
            if (IsCurrent(connection))
            {
                HandleAudioDone(responseId, itemId, contentIndex);
            }
        }
    }

    void IModelConnectionEvents.OnResponseDone(ModelConnection connection, string responseId, string status, string? errorType, ModelUsage? usage)
    {
        lock (_gate)
        {
            // Every session's usage is billed, a replaced one's included, to the agent whose session it is.
            if (usage is { } tokens)
            {
                _record.OnUsage(tokens, connection.RecordSegment);
                _metrics.ModelTokensUsed(tokens);
            }

            _trace.OnResponseDone(responseId, status, errorType);

            if (!IsCurrent(connection))
            {
                return;
            }

            _playback.OnResponseDone(responseId);
            var hadAudio = string.Equals(_lastAudioResponseId, responseId, StringComparison.Ordinal);
            if (hadAudio)
            {
                _services.Observer?.OnSpeech(Speaker.Agent, started: false);
            }

            OnGoodbyeResponseDone(responseId, hadAudio);
            OnToolResponseDone(responseId);
            OnResponseDoneForQueue();
            OnResponseDoneForHandoffSummary(connection);
            if (status == "failed" && errorType == "server_error")
            {
                RecoverFromServerError(connection, "a response failed with a server error");
            }
            else
            {
                RecycleIfQuiet();
                ArmIdleTimerIfQuiet();
            }

            // Logged once handled, so the line means the timers it arms are in place.
            Log.ResponseDone(_logger, responseId, status);
        }
    }

    void IModelConnectionEvents.OnFunctionCall(ModelConnection connection, string responseId, string toolCallId, string name, string argumentsJson)
    {
        lock (_gate)
        {
            if (IsCurrent(connection))
            {
                HandleFunctionCall(connection, responseId, toolCallId, name, argumentsJson);
            }
        }
    }

    void IModelConnectionEvents.OnInputCommitted(ModelConnection connection, string itemId)
    {
        lock (_gate)
        {
            if (IsCurrent(connection))
            {
                PublishTurn(_transcript.OnCallerTurn(itemId));
            }
        }
    }

    void IModelConnectionEvents.OnInputTranscript(ModelConnection connection, string itemId, string transcript)
    {
        lock (_gate)
        {
            if (IsCurrent(connection))
            {
                PublishTurn(_transcript.OnCallerText(itemId, transcript));
            }
        }
    }

    void IModelConnectionEvents.OnOutputTranscriptDelta(ModelConnection connection, string itemId, ReadOnlySpan<byte> utf8Text)
    {
        lock (_gate)
        {
            if (IsCurrent(connection))
            {
                PublishTurn(_transcript.OnAgentTextDelta(itemId, utf8Text));
            }
        }
    }

    void IModelConnectionEvents.OnOutputTranscriptDone(ModelConnection connection, string itemId, string transcript)
    {
        lock (_gate)
        {
            if (IsCurrent(connection))
            {
                PublishTurn(_transcript.OnAgentTextDone(itemId, transcript));
            }
        }
    }
}
