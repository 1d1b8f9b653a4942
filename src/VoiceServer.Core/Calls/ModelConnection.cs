using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using VoiceServer.Audio;
using VoiceServer.Diagnostics;
using VoiceServer.Legs;
using VoiceServer.Records;

namespace VoiceServer.Calls;

/// <summary>
/// One model session of a call (the first, or a replacement): it connects, sends <c>session.update</c> and waits for a
/// confirmation that shows the call's audio format both ways, classifies how its receive loop ended, and passes the conversation's
/// events on to the call (<see cref="IModelConnectionEvents"/>), saying which connection they came from.
/// </summary>
/// <remarks>
/// Its own lock guards only the pending confirmation of <c>session.update</c>; everything else it passes on is
/// applied by the call under the call's order of events.
/// </remarks>
internal sealed class ModelConnection(
    IModelConnectionEvents events,
    IModelConnector connector,
    CallSessionOptions options,
    TimeProvider time,
    ILogger logger,
    VoiceServerMetrics metrics,
    CallConfiguration configuration,
    long startedAt) : IModelEvents
{
    private readonly Lock _confirmationGate = new();
    private TaskCompletionSource<ModelSessionState?>? _sessionUpdated;
    private string? _pendingUpdateEventId;
    private string? _rejection;
    private Activity? _sessionSpan;

    public CallConfiguration Configuration { get; set; } = configuration;

    /// <summary>The call's audio format, asked for both ways in <c>session.update</c> and required in the confirmation.</summary>
    public ModelAudioFormat AudioFormat { get; init; }

    public long StartedAt { get; } = startedAt;

    /// <summary>The call record's segment this session belongs to (its agent's), set when it becomes the call's model.</summary>
    public int RecordSegment { get; set; }

    /// <summary>The call's spans, which this connection's set-up adds to (<c>model.connect</c>, <c>model.session</c>).</summary>
    public CallTrace? Trace { get; init; }

    /// <summary>True for a session that replaces another (recovery, recycle, handoff), as the spans say.</summary>
    public bool IsReplacement { get; init; }

    public IModelLeg? Leg { get; private set; }

    /// <summary>The ids of this session's conversation items, in order (read and written in the call's order of events).</summary>
    public ConversationItems Items { get; init; } = new(ConversationItems.DefaultCapacity);

    public Task<bool> Ready { get; set; } = Task.FromResult(false);

    public Task<LegCompletion>? ReceiveLoop { get; private set; }

    public Task? SendLoop { get; private set; }

    public IEnumerable<Task> Loops => new[] { ReceiveLoop, SendLoop }.OfType<Task>();

    /// <summary>From <c>session.updated</c>: with <c>interrupt_response</c> the server cancels by itself.</summary>
    public bool ServerCancelsOnSpeech { get; private set; } = true;

    /// <summary>Why set-up failed, for a replacement that must retry or give up (null while none failed).</summary>
    public string? Failure { get; private set; }

    /// <summary>The failure would repeat: the provider refused the key or model, or rejected the session.</summary>
    public bool FailureIsPermanent { get; private set; }

    /// <summary>The receive loop has ended: this connection carries nothing any more. Read and set in the call's order of events.</summary>
    public bool IsLost { get; set; }

    /// <summary>
    /// Connects and confirms the session. <paramref name="callToken"/> bounds the connection's life,
    /// <paramref name="setupToken"/> only the set-up (a replacement's deadline).
    /// </summary>
    public async Task<bool> SetUpAsync(CancellationToken callToken, CancellationToken setupToken = default)
    {
        using var setup = CancellationTokenSource.CreateLinkedTokenSource(callToken, setupToken);
        var connectSpan = Trace?.StartModelConnect(Configuration.Model, IsReplacement);
        try
        {
            var connecting = time.GetTimestamp();
            // The WebSocket upgrade's HTTP span is this span's child (this flow only; restored below).
            var ambient = Activity.Current;
            Activity.Current = connectSpan ?? ambient;
            try
            {
                Leg = await connector.ConnectAsync(new ModelConnectRequest(Configuration.ApiKey, Configuration.Model), setup.Token);
            }
            finally
            {
                Activity.Current = ambient;
            }

            metrics.ModelConnected(time.GetElapsedTime(connecting));
            CallTrace.EndSetUp(connectSpan, failure: null);
        }
        catch (ModelConnectException ex)
        {
            CallSession.Log.ModelConnectFailed(logger, ex.StatusCode, ex.Message);
            CallTrace.EndSetUp(connectSpan, ex.Message, ex.StatusCode);
            Fail(CallEndReason.ModelConnectFailed, ex.Message, permanent: !IsTransient(ex.StatusCode));
            return false;
        }
        catch (OperationCanceledException) when (setup.IsCancellationRequested)
        {
            Failure = "connecting took too long";
            CallTrace.EndSetUp(connectSpan, Failure);
            return false;
        }

        // Begun before the receive loop, so session.created lands inside it.
        _sessionSpan = Trace?.StartModelSession(IsReplacement);
        SendLoop = Leg.RunSendLoopAsync(callToken);
        ReceiveLoop = ObserveAsync(Leg, callToken);
        var confirmed = await UpdateSessionAsync(setup.Token);
        CallTrace.EndSetUp(Interlocked.Exchange(ref _sessionSpan, null), confirmed ? null : Failure ?? "the session was not confirmed");
        return confirmed;
    }

    /// <summary>No answer, a timeout, 408, 429 or 5xx may pass on a new attempt; a refused key or model will not.</summary>
    private static bool IsTransient(int? statusCode) => statusCode is null or 408 or 429 or >= 500;

    private void Fail(CallEndReason reason, string detail, bool permanent = false)
    {
        Failure = detail;
        FailureIsPermanent = permanent;
        EndIfCurrent(reason, detail);
    }

    /// <summary>Sends <c>session.update</c> and waits for a <c>session.updated</c> that shows the call's audio format both ways.</summary>
    public async Task<bool> UpdateSessionAsync(CancellationToken cancellationToken)
    {
        var (state, problem) = await ConfirmSessionAsync(Configuration, replacesAll: false, cancellationToken);
        if (state is null)
        {
            switch (problem)
            {
                case SessionProblem.NotSent:
                    Fail(CallEndReason.SlowPeer, "the model is not accepting messages");
                    break;
                case SessionProblem.TimedOut:
                    Fail(CallEndReason.ModelSessionRejected, "the model did not confirm the session in time");
                    break;
                case SessionProblem.Rejected:
                    Fail(CallEndReason.ModelSessionRejected, $"the model rejected session.update: {_rejection}", permanent: true);
                    break;
                default:
                    Failure ??= "the model connection ended before the session was confirmed";
                    break;
            }

            return false;
        }

        if (!state.CarriesBothWays(AudioFormat))
        {
            var detail = $"the model confirmed audio formats {state.InputFormat ?? "(none)"} / {state.OutputFormat ?? "(none)"}, not {AudioFormat.Describe()}";
            Fail(CallEndReason.ModelSessionRejected, detail, permanent: true);
            return false;
        }

        Confirmed(state, Configuration);
        return true;
    }

    /// <summary>
    /// Changes this live session to <paramref name="next"/>'s (a handoff in place: the same voice, model and key):
    /// its instructions, tools and turn detection, with what <paramref name="next"/> leaves unset cleared. Never ends
    /// the call: null once confirmed, otherwise why not (the session then keeps what it had, as the API applies an
    /// update whole or not at all). The caller sets <see cref="Configuration"/> once it is confirmed.
    /// </summary>
    public async Task<string?> ReconfigureAsync(CallConfiguration next, CancellationToken cancellationToken)
    {
        var (state, problem) = await ConfirmSessionAsync(next, replacesAll: true, cancellationToken);
        if (state is null)
        {
            return problem switch
            {
                SessionProblem.NotSent => "the model is not accepting messages",
                SessionProblem.TimedOut => "the model did not confirm the new session in time",
                SessionProblem.Rejected => $"the model rejected session.update: {_rejection}",
                _ => "the model connection ended",
            };
        }

        if (!state.CarriesBothWays(AudioFormat))
        {
            return $"the model confirmed audio formats {state.InputFormat ?? "(none)"} / {state.OutputFormat ?? "(none)"}, not {AudioFormat.Describe()}";
        }

        Confirmed(state, next);
        return null;
    }

    private void Confirmed(ModelSessionState state, CallConfiguration configuration)
    {
        if (!string.Equals(state.Voice, configuration.Voice, StringComparison.Ordinal))
        {
            CallSession.Log.VoiceMismatch(logger, configuration.Voice, state.Voice);
        }

        ServerCancelsOnSpeech = state.InterruptResponse ?? true;
        CallSession.Log.ModelSessionConfirmed(logger, state.InputFormat, state.OutputFormat, state.Voice);
    }

    /// <summary>Sends the session of <paramref name="configuration"/> and waits for its confirmation: the confirmed state, or why there is none.</summary>
    private async Task<(ModelSessionState? State, SessionProblem Problem)> ConfirmSessionAsync(CallConfiguration configuration, bool replacesAll, CancellationToken cancellationToken)
    {
        var confirmation = new TaskCompletionSource<ModelSessionState?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var eventId = events.NextSessionUpdateEventId();
        lock (_confirmationGate)
        {
            _pendingUpdateEventId = eventId;
            _sessionUpdated = confirmation;
            _rejection = null;
        }

        // The deadline starts before the update can be answered.
        using var timeoutCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = Task.Delay(options.SessionSetupTimeout, time, timeoutCancellation.Token);
        var request = new ModelSessionRequest(
            configuration.Prompt,
            configuration.Voice,
            options.InterruptResponse,
            options.InputTranscriptionModel,
            configuration.Language,
            configuration.TurnDetection,
            configuration.NoiseReduction,
            configuration.Tools,
            AudioFormat,
            replacesAll);
        Volatile.Read(ref _sessionSpan)?.AddEvent(new ActivityEvent("session.update"));
        if (!Leg!.TryUpdateSession(request, eventId))
        {
            return (null, SessionProblem.NotSent);
        }

        var first = await Task.WhenAny(confirmation.Task, timeout);
        await timeoutCancellation.CancelAsync();
        if (first != confirmation.Task)
        {
            lock (_confirmationGate)
            {
                // A late answer to this update is not waited for any more.
                _sessionUpdated = ReferenceEquals(_sessionUpdated, confirmation) ? null : _sessionUpdated;
            }

            return (null, SessionProblem.TimedOut);
        }

        var state = await confirmation.Task;
        if (state is not null)
        {
            return (state, SessionProblem.None);
        }

        lock (_confirmationGate)
        {
            return (null, _rejection is null ? SessionProblem.Lost : SessionProblem.Rejected);
        }
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
            CallSession.Log.UnexpectedFailure(logger, ex);
            EndIfCurrent(CallEndReason.InternalError, "internal error");
            completion = new LegCompletion(LegCompletionKind.ConnectionLost);
        }

        lock (_confirmationGate)
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
                events.OnLost(this, recovery: null, CallEndReason.ModelClosed, $"the model closed the session ({closeCode}{description})");
                break;
            case LegCompletionKind.ClosedByPeer when completion.CloseStatus is WebSocketCloseStatus.EndpointUnavailable:
                // 1001 is how OpenAI ends a session at its duration cap: a new session continues the call.
                events.OnLost(this, RecoveryCause.SessionCap, CallEndReason.ModelClosed, $"the model closed the session ({closeCode}{description})");
                break;
            case LegCompletionKind.ClosedByPeer when closeCode is 1011 or 1012 or 1013 or 1014:
                events.OnLost(this, RecoveryCause.Dropped, CallEndReason.ModelFailed, $"the model closed the session with {closeCode}{description}");
                break;
            case LegCompletionKind.ClosedByPeer:
                // A policy or protocol close (1008, 4000, …) would close a new session the same way.
                events.OnLost(this, recovery: null, CallEndReason.ModelFailed, $"the model closed the session with {closeCode}{description}");
                break;
            case LegCompletionKind.ConnectionLost:
                events.OnLost(this, RecoveryCause.Dropped, CallEndReason.ModelFailed, "the model connection dropped");
                break;
            case LegCompletionKind.MessageTooBig:
                events.OnLost(this, recovery: null, CallEndReason.ModelFailed, "the model sent a message over the size limit");
                break;
            case LegCompletionKind.BinaryMessage:
                events.OnLost(this, recovery: null, CallEndReason.ModelFailed, "the model sent a binary frame");
                break;
            default:
                events.OnClosed(this);
                break;
        }

        return completion;
    }

    private void EndIfCurrent(CallEndReason reason, string detail) => events.OnFailed(this, reason, detail);

    public void OnSessionCreated()
    {
        Volatile.Read(ref _sessionSpan)?.AddEvent(new ActivityEvent("session.created"));
        CallSession.Log.ModelSessionCreated(logger);
    }

    public void OnSessionUpdated(ModelSessionState state)
    {
        TaskCompletionSource<ModelSessionState?>? confirmation;
        lock (_confirmationGate)
        {
            confirmation = _sessionUpdated;
            _sessionUpdated = null;
            _pendingUpdateEventId = null;
        }

        // Before the wait is released: the set-up ends the span once it resumes.
        Volatile.Read(ref _sessionSpan)?.AddEvent(new ActivityEvent("session.updated"));
        confirmation?.TrySetResult(state);
    }

    public void OnError(ModelError modelError)
    {
        metrics.ModelError(modelError.Code);
        TaskCompletionSource<ModelSessionState?>? rejected = null;
        lock (_confirmationGate)
        {
            if (modelError.EventId is not null && string.Equals(modelError.EventId, _pendingUpdateEventId, StringComparison.Ordinal))
            {
                _rejection = $"{modelError.Code}: {modelError.Message}";
                rejected = _sessionUpdated;
                _sessionUpdated = null;
                _pendingUpdateEventId = null;
            }
        }

        if (rejected is not null)
        {
            CallSession.Log.ModelSessionRejected(logger, modelError.Code, modelError.Message, modelError.Param);
            rejected.TrySetResult(null);
            return;
        }

        CallSession.Log.ModelError(logger, modelError.Type, modelError.Code, modelError.Message, modelError.EventId);
        if (modelError.EventId is { } refusedEventId)
        {
            events.OnRequestRefused(this, refusedEventId);
        }

        if (string.Equals(modelError.Type, "server_error", StringComparison.Ordinal))
        {
            events.OnServerError(this, $"the model reported a server error: {modelError.Code ?? "(no code)"}");
        }
    }

    public void OnSpeechStarted() => events.OnSpeechStarted(this);

    public void OnSpeechStopped() => events.OnSpeechStopped(this);

    public void OnResponseCreated(string responseId) => events.OnResponseCreated(this, responseId);

    public void OnAudioDelta(string responseId, string itemId, int contentIndex, ReadOnlySpan<byte> base64Audio) =>
        events.OnAudioDelta(this, responseId, itemId, contentIndex, base64Audio);

    public void OnAudioDone(string responseId, string itemId, int contentIndex) => events.OnAudioDone(this, responseId, itemId, contentIndex);

    public void OnResponseDone(string responseId, string status, string? errorType, ModelUsage? usage) =>
        events.OnResponseDone(this, responseId, status, errorType, usage);

    public void OnOutOfBandResponseDone(string responseId, string purpose, string status, string? text, ModelUsage? usage) =>
        events.OnOutOfBandResponseDone(this, responseId, purpose, status, text, usage);

    public void OnFunctionCall(string responseId, string toolCallId, string name, string argumentsJson) =>
        events.OnFunctionCall(this, responseId, toolCallId, name, argumentsJson);

    public void OnInputCommitted(string itemId) => events.OnInputCommitted(this, itemId);

    public void OnInputTranscript(string itemId, string transcript) => events.OnInputTranscript(this, itemId, transcript);

    public void OnOutputTranscriptDelta(string itemId, ReadOnlySpan<byte> utf8Text) => events.OnOutputTranscriptDelta(this, itemId, utf8Text);

    public void OnOutputTranscriptDone(string itemId, string transcript) => events.OnOutputTranscriptDone(this, itemId, transcript);

    public void OnItemAdded(string itemId, string? previousItemId, ModelItemKind kind, string? callId) =>
        events.OnItemAdded(this, itemId, previousItemId, kind, callId);

    public void OnItemDeleted(string itemId) => events.OnItemDeleted(this, itemId);

    public void OnMalformedMessage(string detail)
    {
        metrics.MalformedMessage();
        CallSession.Log.MalformedModelMessage(logger, detail);
    }
}
