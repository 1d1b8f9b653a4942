using System.Net.WebSockets;
using VoiceServer.Audio;
using VoiceServer.Conversation;
using VoiceServer.Diagnostics;
using VoiceServer.Legs;
using VoiceServer.Playback;
using VoiceServer.Records;

namespace VoiceServer.Calls;

/// <summary>The model → caller pump: agent audio, playback marks and barge-in.</summary>
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
        if (_services.Observer is { } observer &&
            !ReferenceEquals(_lastAudioResponseId, responseId) && !string.Equals(_lastAudioResponseId, responseId, StringComparison.Ordinal))
        {
            // The first audio of a reply (ids are interned, so later deltas pass on the reference check).
            observer.OnSpeech(Speaker.Agent, started: true);
        }

        _lastAudioResponseId = responseId;
        _metrics.FrameRelayed(RelayDirection.ModelToCaller);
        if (_record.TryStopResponseClock(out var latency))
        {
            _metrics.ResponseStarted(latency);
            turn.ResponseLatencyMs ??= (long)latency.TotalMilliseconds;
            PublishTurn(turn);
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
        if (!_audioFlowing)
        {
            return;
        }

        var plan = _playback.TryBargeIn(connection.ServerCancelsOnSpeech);
        if (plan is null)
        {
            return;
        }

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

    /// <summary>One model connection: the early one opened from the query string, or the one for the final configuration.</summary>
    private sealed class ModelConnection(CallSession session, CallConfiguration configuration, long startedAt) : IModelEvents
    {
        private TaskCompletionSource<ModelSessionState?>? _sessionUpdated;
        private string? _pendingUpdateEventId;

        public CallConfiguration Configuration { get; set; } = configuration;

        public long StartedAt { get; } = startedAt;

        public IModelLeg? Leg { get; private set; }

        public Task<bool> Ready { get; set; } = Task.FromResult(false);

        public Task<LegCompletion>? ReceiveLoop { get; private set; }

        public Task? SendLoop { get; private set; }

        public IEnumerable<Task> Loops => new[] { ReceiveLoop, SendLoop }.OfType<Task>();

        /// <summary>From <c>session.updated</c>: with <c>interrupt_response</c> the server cancels by itself.</summary>
        public bool ServerCancelsOnSpeech { get; private set; } = true;

        private bool IsCurrent => ReferenceEquals(session._model, this);

        /// <summary>Why set-up failed, for a replacement that must retry or give up (null while none failed).</summary>
        public string? Failure { get; private set; }

        /// <summary>The failure would repeat: the provider refused the key or model, or rejected the session.</summary>
        public bool FailureIsPermanent { get; private set; }

        /// <summary>The receive loop has ended: this connection carries nothing any more.</summary>
        public bool IsLost { get; set; }

        /// <summary>
        /// Connects and confirms the session. <paramref name="callToken"/> bounds the connection's life,
        /// <paramref name="setupToken"/> only the set-up (a replacement's deadline).
        /// </summary>
        public async Task<bool> SetUpAsync(CancellationToken callToken, CancellationToken setupToken = default)
        {
            using var setup = CancellationTokenSource.CreateLinkedTokenSource(callToken, setupToken);
            try
            {
                var connecting = session._time.GetTimestamp();
                Leg = await session._connector.ConnectAsync(new ModelConnectRequest(Configuration.ApiKey, Configuration.Model), setup.Token);
                session._metrics.ModelConnected(session._time.GetElapsedTime(connecting));
            }
            catch (ModelConnectException ex)
            {
                Log.ModelConnectFailed(session._logger, ex.StatusCode, ex.Message);
                Fail(CallEndReason.ModelConnectFailed, ex.Message, permanent: !IsTransient(ex.StatusCode));
                return false;
            }
            catch (OperationCanceledException) when (setup.IsCancellationRequested)
            {
                Failure = "connecting took too long";
                return false;
            }

            SendLoop = Leg.RunSendLoopAsync(callToken);
            ReceiveLoop = ObserveAsync(Leg, callToken);
            return await UpdateSessionAsync(setup.Token);
        }

        /// <summary>No answer, a timeout, 408, 429 or 5xx may pass on a new attempt; a refused key or model will not.</summary>
        private static bool IsTransient(int? statusCode) => statusCode is null or 408 or 429 or >= 500;

        private void Fail(CallEndReason reason, string detail, bool permanent = false)
        {
            Failure = detail;
            FailureIsPermanent = permanent;
            EndIfCurrent(reason, detail);
        }

        /// <summary>Sends <c>session.update</c> and waits for a <c>session.updated</c> that shows μ-law both ways.</summary>
        public async Task<bool> UpdateSessionAsync(CancellationToken cancellationToken)
        {
            var confirmation = new TaskCompletionSource<ModelSessionState?>(TaskCreationOptions.RunContinuationsAsynchronously);
            string eventId;
            lock (session._gate)
            {
                eventId = $"voice_server_session_update_{++session._sessionUpdateCount}";
                _pendingUpdateEventId = eventId;
                _sessionUpdated = confirmation;
            }

            // The deadline starts before the update can be answered.
            using var timeoutCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timeout = Task.Delay(session._options.SessionSetupTimeout, session._time, timeoutCancellation.Token);
            var request = new ModelSessionRequest(
                Configuration.Prompt,
                Configuration.Voice,
                session._options.InterruptResponse,
                session._options.InputTranscriptionModel,
                Configuration.Language,
                Configuration.TurnDetection,
                Configuration.NoiseReduction,
                Configuration.Tools);
            if (!Leg!.TryUpdateSession(request, eventId))
            {
                Fail(CallEndReason.SlowPeer, "the model is not accepting messages");
                return false;
            }

            var first = await Task.WhenAny(confirmation.Task, timeout);
            await timeoutCancellation.CancelAsync();
            if (first != confirmation.Task)
            {
                Fail(CallEndReason.ModelSessionRejected, "the model did not confirm the session in time");
                return false;
            }

            var state = await confirmation.Task;
            if (state is null)
            {
                Failure ??= "the model connection ended before the session was confirmed";
                return false;
            }

            if (!state.InputIsMuLaw || !state.OutputIsMuLaw)
            {
                var detail = $"the model confirmed audio formats {state.InputFormat ?? "(none)"} / {state.OutputFormat ?? "(none)"}, not G.711 μ-law";
                Fail(CallEndReason.ModelSessionRejected, detail, permanent: true);
                return false;
            }

            if (!string.Equals(state.Voice, Configuration.Voice, StringComparison.Ordinal))
            {
                Log.VoiceMismatch(session._logger, Configuration.Voice, state.Voice);
            }

            ServerCancelsOnSpeech = state.InterruptResponse ?? true;
            Log.ModelSessionConfirmed(session._logger, state.InputFormat, state.OutputFormat, state.Voice);
            return true;
        }

        private async Task<LegCompletion> ObserveAsync(IModelLeg leg, CancellationToken callToken)
        {
            LegCompletion completion;
            try
            {
                completion = await leg.RunReceiveLoopAsync(this, callToken);
            }
            catch (Exception ex)
            {
                Log.UnexpectedFailure(session._logger, ex);
                EndIfCurrent(CallEndReason.InternalError, "internal error");
                completion = new LegCompletion(LegCompletionKind.ConnectionLost);
            }

            lock (session._gate)
            {
                // A model that goes away while the session is being confirmed also resolves that wait.
                _sessionUpdated?.TrySetResult(null);
                _sessionUpdated = null;
            }

            var description = completion.CloseDescription is { Length: > 0 } text ? $": {text}" : string.Empty;
            var closeCode = (int?)completion.CloseStatus;
            switch (completion.Kind)
            {
                case LegCompletionKind.ClosedByPeer when completion.CloseStatus is WebSocketCloseStatus.NormalClosure:
                    session.OnModelLost(this, recovery: null, CallEndReason.ModelClosed, $"the model closed the session ({closeCode}{description})");
                    break;
                case LegCompletionKind.ClosedByPeer when completion.CloseStatus is WebSocketCloseStatus.EndpointUnavailable:
                    // 1001 is how OpenAI ends a session at its duration cap: a new session continues the call.
                    session.OnModelLost(this, RecoveryCause.SessionCap, CallEndReason.ModelClosed, $"the model closed the session ({closeCode}{description})");
                    break;
                case LegCompletionKind.ClosedByPeer when closeCode is 1011 or 1012 or 1013 or 1014:
                    session.OnModelLost(this, RecoveryCause.Dropped, CallEndReason.ModelFailed, $"the model closed the session with {closeCode}{description}");
                    break;
                case LegCompletionKind.ClosedByPeer:
                    // A policy or protocol close (1008, 4000, …) would close a new session the same way.
                    session.OnModelLost(this, recovery: null, CallEndReason.ModelFailed, $"the model closed the session with {closeCode}{description}");
                    break;
                case LegCompletionKind.ConnectionLost:
                    session.OnModelLost(this, RecoveryCause.Dropped, CallEndReason.ModelFailed, "the model connection dropped");
                    break;
                case LegCompletionKind.MessageTooBig:
                    session.OnModelLost(this, recovery: null, CallEndReason.ModelFailed, "the model sent a message over the size limit");
                    break;
                case LegCompletionKind.BinaryMessage:
                    session.OnModelLost(this, recovery: null, CallEndReason.ModelFailed, "the model sent a binary frame");
                    break;
                default:
                    lock (session._gate)
                    {
                        IsLost = true;
                    }

                    break;
            }

            return completion;
        }

        private void EndIfCurrent(CallEndReason reason, string detail)
        {
            lock (session._gate)
            {
                if (IsCurrent)
                {
                    session.End(reason, detail);
                }
            }
        }

        public void OnSessionCreated() => Log.ModelSessionCreated(session._logger);

        public void OnSessionUpdated(ModelSessionState state)
        {
            TaskCompletionSource<ModelSessionState?>? confirmation;
            lock (session._gate)
            {
                confirmation = _sessionUpdated;
                _sessionUpdated = null;
                _pendingUpdateEventId = null;
            }

            confirmation?.TrySetResult(state);
        }

        public void OnError(ModelError modelError)
        {
            session._metrics.ModelError(modelError.Code);
            TaskCompletionSource<ModelSessionState?>? rejected = null;
            lock (session._gate)
            {
                if (modelError.EventId is not null && string.Equals(modelError.EventId, _pendingUpdateEventId, StringComparison.Ordinal))
                {
                    rejected = _sessionUpdated;
                    _sessionUpdated = null;
                    _pendingUpdateEventId = null;
                }
            }

            if (rejected is not null)
            {
                Log.ModelSessionRejected(session._logger, modelError.Code, modelError.Message, modelError.Param);
                Fail(CallEndReason.ModelSessionRejected, $"the model rejected session.update: {modelError.Code}: {modelError.Message}", permanent: true);
                rejected.TrySetResult(null);
                return;
            }

            Log.ModelError(session._logger, modelError.Type, modelError.Code, modelError.Message, modelError.EventId);
            if (string.Equals(modelError.Type, "server_error", StringComparison.Ordinal))
            {
                lock (session._gate)
                {
                    session.RecoverFromServerError(this, $"the model reported a server error: {modelError.Code ?? "(no code)"}");
                }
            }
        }

        public void OnSpeechStarted()
        {
            lock (session._gate)
            {
                if (IsCurrent)
                {
                    session._services.Observer?.OnSpeech(Speaker.Caller, started: true);
                    session._callerTurnOpen = true;
                    session.CancelIdleTimer(callerActivity: true);
                    // Logged once the turn is open and the idle timer off, before the barge-in it may start.
                    Log.CallerSpeechStarted(session._logger);
                    session.HandleSpeechStarted(this);
                }
            }
        }

        public void OnSpeechStopped()
        {
            lock (session._gate)
            {
                if (!IsCurrent)
                {
                    return;
                }

                session._services.Observer?.OnSpeech(Speaker.Caller, started: false);
                // The response-latency clock starts here and stops at the first agent audio relayed.
                if (session._audioFlowing)
                {
                    session._record.OnCallerStoppedSpeaking();
                }
            }
        }

        public void OnResponseCreated(string responseId)
        {
            lock (session._gate)
            {
                if (IsCurrent)
                {
                    session._callerTurnOpen = false;
                    session.CancelIdleTimer(callerActivity: false);
                    session._responses.OnCreated();
                    session._playback.OnResponseCreated(responseId);
                    session._goodbye.OnResponseCreated(responseId);
                }
            }
        }

        public void OnAudioDelta(string responseId, string itemId, int contentIndex, ReadOnlySpan<byte> base64Audio)
        {
            lock (session._gate)
            {
                if (IsCurrent)
                {
                    session.HandleAudioDelta(responseId, itemId, contentIndex, base64Audio);
                }
            }
        }

        public void OnAudioDone(string responseId, string itemId, int contentIndex)
        {
            lock (session._gate)
            {
                if (IsCurrent)
                {
                    session.HandleAudioDone(responseId, itemId, contentIndex);
                }
            }
        }

        public void OnResponseDone(string responseId, string status, string? errorType, ModelUsage? usage)
        {
            lock (session._gate)
            {
                // Every session's usage is billed, a replaced one's included.
                if (usage is { } tokens)
                {
                    session._record.OnUsage(tokens);
                    session._metrics.ModelTokensUsed(tokens);
                }

                if (!IsCurrent)
                {
                    return;
                }

                session._playback.OnResponseDone(responseId);
                var hadAudio = string.Equals(session._lastAudioResponseId, responseId, StringComparison.Ordinal);
                if (hadAudio)
                {
                    session._services.Observer?.OnSpeech(Speaker.Agent, started: false);
                }

                session.OnGoodbyeResponseDone(responseId, hadAudio);
                session.OnToolResponseDone(responseId);
                session.OnResponseDoneForQueue();
                if (status == "failed" && errorType == "server_error")
                {
                    session.RecoverFromServerError(this, "a response failed with a server error");
                }
                else
                {
                    session.RecycleIfQuiet();
                    session.ArmIdleTimerIfQuiet();
                }

                // Logged once handled, so the line means the timers it arms are in place.
                Log.ResponseDone(session._logger, responseId, status);
            }
        }

        public void OnFunctionCall(string responseId, string toolCallId, string name, string argumentsJson)
        {
            lock (session._gate)
            {
                if (IsCurrent)
                {
                    session.HandleFunctionCall(this, responseId, toolCallId, name, argumentsJson);
                }
            }
        }

        public void OnInputCommitted(string itemId)
        {
            lock (session._gate)
            {
                if (IsCurrent)
                {
                    session.PublishTurn(session._transcript.OnCallerTurn(itemId));
                }
            }
        }

        public void OnInputTranscript(string itemId, string transcript)
        {
            lock (session._gate)
            {
                if (IsCurrent)
                {
                    session.PublishTurn(session._transcript.OnCallerText(itemId, transcript));
                }
            }
        }

        public void OnOutputTranscriptDelta(string itemId, ReadOnlySpan<byte> utf8Text)
        {
            lock (session._gate)
            {
                if (IsCurrent)
                {
                    session.PublishTurn(session._transcript.OnAgentTextDelta(itemId, utf8Text));
                }
            }
        }

        public void OnOutputTranscriptDone(string itemId, string transcript)
        {
            lock (session._gate)
            {
                if (IsCurrent)
                {
                    session.PublishTurn(session._transcript.OnAgentTextDone(itemId, transcript));
                }
            }
        }

        public void OnMalformedMessage(string detail)
        {
            session._metrics.MalformedMessage();
            Log.MalformedModelMessage(session._logger, detail);
        }
    }
}
