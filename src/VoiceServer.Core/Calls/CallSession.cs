using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using VoiceServer.Audio;
using VoiceServer.Conversation;
using VoiceServer.Diagnostics;
using VoiceServer.Legs;
using VoiceServer.Playback;
using VoiceServer.Records;

namespace VoiceServer.Calls;

/// <summary>
/// One phone call: a caller leg and a model leg, protocol-free. It resolves the configuration once the caller's
/// <c>start</c> has arrived, then opens the model session, relays audio both ways untouched (in the model's audio format, chosen per call), tracks playback for barge-in and ends the call
/// with exactly one <see cref="CallEndReason"/>.
/// </summary>
/// <remarks>
/// Each leg runs its own receive loop (the two pumps) and its own send loop (one writer per socket). Events from
/// both receive loops and from the parts' timers are applied under one short lock with no awaits inside, so
/// playback state, ordering of media and marks, and the end of the call are consistent. The session owns the
/// pumps, the lifetime and the end reason; each concern is a part that owns its state (<see cref="ModelConnection"/>,
/// <see cref="PlaybackTracker"/>, <see cref="ResponseRequests"/>, <see cref="KeypadInput"/>, <see cref="IdleReprompt"/>,
/// <see cref="GoodbyeFlow"/>, <see cref="ToolCalls"/>, <see cref="ModelReplacement"/>, <see cref="RecycleSchedule"/>, <see cref="SilencePadding"/>,
/// <see cref="CallRecordBuilder"/>), called in that one order and never calling each other (docs/architecture.md).
/// </remarks>
public sealed partial class CallSession : ICallerEvents, IKeypadEvents, IIdleEvents, IRecycleEvents, IGoodbyeEvents, IModelConnectionEvents
{
    private readonly Lock _gate = new();
    private readonly ICallerLeg _caller;
    private readonly IModelConnector _connector;
    private readonly CallSessionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VoiceServerMetrics _metrics;
    private readonly PlaybackTracker _playback = new();
    private readonly Transcript _transcript;
    private readonly PendingAudio _pendingAudio;
    private readonly List<ModelConnection> _connections = [];
    private readonly List<Task> _retirements = [];
    private readonly TaskCompletionSource<CallerStart> _start = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<CallEnd> _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ModelConnection? _model;
    private ModelAudioFormat _audioFormat;
    private bool _started;
    private bool _audioFlowing;
    private int _sessionUpdateCount;
    private string? _firstAgentId;
    private long _startedAt;
    private CancellationToken _callToken;
    private readonly CallServices _services;
    private readonly CallLogScope _logScope;
    private readonly KeypadInput _keypad;
    private readonly ResponseRequests _responses = new();
    private readonly IdleReprompt _idle;
    private readonly CallRecordBuilder _record;
    private readonly SilencePadding _silence;
    private readonly RecycleSchedule _recycle;
    private readonly GoodbyeFlow _goodbye;
    private readonly ToolCalls _tools = new();
    private readonly ModelReplacement _replacement;
    private readonly CallTrace _trace;

    public CallSession(
        string callId,
        ICallerLeg caller,
        IModelConnector connector,
        CallSessionOptions options,
        TimeProvider timeProvider,
        ILogger<CallSession> logger,
        VoiceServerMetrics metrics,
        CallLogScope? logScope = null,
        CallServices? services = null)
    {
        _services = services ?? CallServices.None;
        CallId = callId;
        _logScope = logScope ?? new CallLogScope(callId);
        _caller = caller;
        _connector = connector;
        _options = options;
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _pendingAudio = new PendingAudio(options.MaxPendingAudioBytes);
        _transcript = new Transcript(timeProvider);
        _keypad = new KeypadInput(timeProvider, options.DtmfCollectPause, this);
        _idle = new IdleReprompt(timeProvider, this);
        _record = new CallRecordBuilder(timeProvider);
        _silence = new SilencePadding(options.MaxSilencePadding);
        _recycle = new RecycleSchedule(timeProvider, options, this);
        _goodbye = new GoodbyeFlow(timeProvider, options.GoodbyeTimeout, this);
        _replacement = new ModelReplacement(timeProvider, options, logger);
        // Built on the upgrade's request: its span (when traced) is the call span's parent or link.
        _trace = new CallTrace(callId, Activity.Current?.Context ?? default, timeProvider);
    }

    /// <summary>The telephony provider's name (<c>twilio</c>, <c>telnyx</c>, …), for the call's span.</summary>
    public string? Provider
    {
        get => _trace.Provider;
        init => _trace.Provider = value;
    }

    /// <summary>Our own id for the call, in every log line of it (Twilio's ids arrive only with <c>start</c>).</summary>
    public string CallId { get; }

    /// <summary>Completes when audio flows both ways (the model confirmed the session); never if the call ends first.</summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// Runs the call to its end. <paramref name="query"/> holds the parameters of the upgrade's query string
    /// (already checked), <paramref name="resolver"/> turns them and <c>start</c> into the configuration;
    /// <paramref name="cancellationToken"/> ends the call as a server shutdown.
    /// </summary>
    public async Task<CallOutcome> RunAsync(IReadOnlyDictionary<string, string> query, ICallConfigurationResolver resolver, CancellationToken cancellationToken)
    {
        var startedAt = _startedAt = _time.GetTimestamp();
        _record.OnCallStarted();
        _metrics.CallStarted();
        using var callCancellation = new CancellationTokenSource();
        var callToken = _callToken = callCancellation.Token;
        using var shutdown = cancellationToken.Register(static state => ((CallSession)state!).End(CallEndReason.ServerShutdown, "the server is shutting down"), this);

        // The start deadline runs from the upgrade, before anything the caller sends can be seen.
        using var startTimeoutCancellation = CancellationTokenSource.CreateLinkedTokenSource(callToken);
        var startTimeout = Task.Delay(_options.StartTimeout, _time, startTimeoutCancellation.Token);
        var callerSend = _caller.RunSendLoopAsync(callToken);
        var callerReceive = ObserveCallerAsync(callToken);
        try
        {
            await SetUpAsync(query, resolver, startTimeout, startTimeoutCancellation, callToken);
        }
        catch (Exception ex)
        {
            Log.UnexpectedFailure(_logger, ex);
            End(CallEndReason.InternalError, "internal error");
        }

        var end = await _end.Task;
        await TearDownAsync(end, callerSend, callerReceive, callCancellation);

        var duration = _time.GetElapsedTime(startedAt);
        _metrics.CallEnded(end.Reason, duration);
        _services.Observer?.OnEnded(end.Reason, end.Detail, duration);
        Log.CallEnded(_logger, end.Reason.ToName(), end.Detail, (long)duration.TotalMilliseconds, _logScope.CallSid, _logScope.AgentId);
        // The record's delivery is traced as the call span's child, so it reaches the main app in the call's trace.
        _services.Records?.Submit(BuildRecord(end, duration), _trace.Call?.Context ?? default);
        lock (_gate)
        {
            _trace.End(end.Reason, end.Detail, _record.AnsweredBy, _logScope);
        }

        return new CallOutcome(end.Reason, end.Detail, duration);
    }

    private CallRecord BuildRecord(CallEnd end, TimeSpan duration)
    {
        lock (_gate)
        {
            // The record stays under the agent that took the call, whoever holds it at the end.
            return _record.Build(_logScope, _model?.Configuration, _transcript.Turns, end.Reason, end.Detail, duration) with { AgentId = _firstAgentId };
        }
    }

    private async Task SetUpAsync(
        IReadOnlyDictionary<string, string> query,
        ICallConfigurationResolver resolver,
        Task startTimeout,
        CancellationTokenSource startTimeoutCancellation,
        CancellationToken callToken)
    {
        // Nothing is opened upstream before start has arrived and the configuration it completes is proven: an
        // upgrade that never sends start, or sends a forged one, costs the model provider nothing.
        var start = await WaitForStartAsync(startTimeout, startTimeoutCancellation);
        if (start is null)
        {
            return;
        }

        if (!TryGetAudioFormat(start, out _, out var formatProblem))
        {
            End(CallEndReason.InvalidConfiguration, formatProblem);
            return;
        }

        var resolved = await resolver.ResolveAsync(query, start, callToken);
        if (resolved.Configuration is not { } configuration)
        {
            var error = resolved.Error!;
            Log.InvalidConfiguration(_logger, error.Field, error.Message);
            End(CallEndReason.InvalidConfiguration, error.Message);
            return;
        }

        _logScope.AgentId = _firstAgentId = configuration.AgentId;
        lock (_gate)
        {
            // The first segment, and every turn from here until a handoff, are this agent's.
            _record.OnAgentConfigured(configuration.AgentId, configuration.Model);
            _transcript.AgentId = configuration.AgentId;
        }

        _trace.Begin(configuration, _logScope);
        Log.CallConfigured(
            _logger,
            configuration.AgentId,
            configuration.Voice,
            configuration.Model ?? "(default)",
            configuration.Temperature,
            configuration.ApiKeyFromCall ? "call" : "server");

        var model = StartModel(configuration, callToken);
        if (!await IsCompletedBeforeEndAsync(model.Ready) || !await model.Ready)
        {
            return;
        }

        lock (_gate)
        {
            if (_end.Task.IsCompleted)
            {
                return;
            }

            var leg = model.Leg!;
            // The greeting is requested before the buffered audio is flushed, so server VAD cannot start a
            // response of its own first.
            // An outbound call awaiting its answering-machine verdict greets nobody yet (it may be a machine's greeting).
            var awaitsVerdict = configuration.Voicemail is not null;
            if (configuration.Greeting is not null && !awaitsVerdict &&
                !_responses.TrySend(leg, WithPersona(configuration, $"The call has just connected. Greet the caller by saying: \"{configuration.Greeting}\"")))
            {
                End(CallEndReason.SlowPeer, "the model is not accepting messages");
                return;
            }

            var buffered = _pendingAudio.FrameCount;
            if (awaitsVerdict)
            {
                AwaitVerdict();
            }
            else if (!_pendingAudio.Flush(leg, static (modelLeg, frame) => modelLeg.TryAppendAudio(frame)))
            {
                End(CallEndReason.SlowPeer, "the model is not keeping up with caller audio");
                return;
            }

            _audioFlowing = true;
            SendKeys();
            ArmIdleTimerIfQuiet();
            _ready.TrySetResult();
            _services.Observer?.OnReady();
            StartMaxDurationTimer(configuration);
            StartRecycleTimers(model);
            ListForOperators(configuration);
            _metrics.CallReady(_time.GetElapsedTime(_startedAt));
            Log.CallReady(_logger, (long)_time.GetElapsedTime(model.StartedAt).TotalMilliseconds, buffered, _pendingAudio.DroppedFrames);
        }
    }

    private async Task<CallerStart?> WaitForStartAsync(Task timeout, CancellationTokenSource timeoutCancellation)
    {
        var first = await Task.WhenAny(_start.Task, _end.Task, timeout);
        await timeoutCancellation.CancelAsync();
        if (first == _start.Task)
        {
            return await _start.Task;
        }

        if (first == timeout)
        {
            End(CallEndReason.StartTimeout, $"no start message within {_options.StartTimeout.TotalSeconds:0.#} s");
        }

        return null;
    }

    private ModelConnection StartModel(CallConfiguration configuration, CancellationToken callToken)
    {
        var connection = NewModelConnection(configuration);
        lock (_gate)
        {
            _model = connection;
            _connections.Add(connection);
        }

        connection.Ready = connection.SetUpAsync(callToken);
        return connection;
    }

    /// <summary>Closes a connection that is no longer the call's, once its set-up has settled.</summary>
    private async Task RetireAsync(ModelConnection connection)
    {
        await connection.Ready;
        if (connection.Leg is { } leg)
        {
            using var closeTimeout = new CancellationTokenSource(_options.CloseTimeout, _time);
            await leg.CloseAsync(WebSocketCloseStatus.NormalClosure, "replaced", closeTimeout.Token);
        }
    }

    /// <summary>True when <paramref name="task"/> finished while the call is still alive.</summary>
    private async Task<bool> IsCompletedBeforeEndAsync(Task task)
    {
        await Task.WhenAny(task, _end.Task);
        return task.IsCompleted && !_end.Task.IsCompleted;
    }

    /// <summary>
    /// The model's audio format for the caller's media format: μ-law 8 kHz passes through; L16 at 16 kHz only from a
    /// leg that converts it to and from 24 kHz PCM (Vonage). Anything else is refused before the model is contacted.
    /// </summary>
    private static bool TryGetAudioFormat(CallerStart start, out ModelAudioFormat format, out string problem)
    {
        problem = string.Empty;
        format = ModelAudioFormat.MuLaw;
        var (encoding, rate) = start.ConvertedAudio == ModelAudioFormat.Pcm24 ? ("audio/l16", 16000) : ("audio/x-mulaw", 8000);
        if (start.Encoding == encoding && start.SampleRate == rate && start.Channels is 1)
        {
            format = start.ConvertedAudio ?? ModelAudioFormat.MuLaw;
            return true;
        }

        problem = $"unsupported media format {start.Encoding ?? "(none)"} {start.SampleRate?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} Hz " +
            $"{start.Channels?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} ch: expected {encoding} {rate} Hz mono";
        return false;
    }

    /// <summary>Sizes every millisecond and byte computation of the call for its audio format. Under _gate, at <c>start</c>.</summary>
    private void UseAudioFormat(ModelAudioFormat format)
    {
        _audioFormat = format;
        _silence.Format = format;
        _playback.AudioFormat = format;
        _transcript.AudioFormat = format;
        // The limit is set in μ-law bytes; the same seconds of another format take proportionally more.
        _pendingAudio.MaxBytes = (int)Math.Min(int.MaxValue, (long)_options.MaxPendingAudioBytes * format.BytesPerMillisecond() / MuLaw.BytesPerMillisecond);
    }

    /// <summary>Tells the live view (if any) that a turn changed. Under _gate.</summary>
    private void PublishTurn(TranscriptTurn? turn)
    {
        if (turn is not null)
        {
            _services.Observer?.OnTurn(turn);
        }
    }

    /// <summary>Records the end of the call; the first caller wins, later ones are ignored.</summary>
    private void End(CallEndReason reason, string detail)
    {
        if (_end.TrySetResult(new CallEnd(reason, detail)))
        {
            lock (_gate)
            {
                _audioFlowing = false;
            }
        }
    }

    private async Task<LegCompletion> ObserveCallerAsync(CancellationToken callToken)
    {
        LegCompletion completion;
        try
        {
            completion = await _caller.RunReceiveLoopAsync(this, callToken);
        }
        catch (Exception ex)
        {
            // A bug must end this call with a reason, not leave it hanging.
            Log.UnexpectedFailure(_logger, ex);
            End(CallEndReason.InternalError, "internal error");
            return new LegCompletion(LegCompletionKind.ConnectionLost);
        }

        switch (completion.Kind)
        {
            case LegCompletionKind.ClosedByPeer:
                EndAsCallerLeft(CallEndReason.CallerDisconnected, $"the caller closed the socket ({(int?)completion.CloseStatus})");
                break;
            case LegCompletionKind.ConnectionLost:
                EndAsCallerLeft(CallEndReason.CallerDisconnected, "the caller's connection dropped");
                break;
            case LegCompletionKind.MessageTooBig:
                End(CallEndReason.MessageTooBig, "message too big");
                break;
            case LegCompletionKind.RateLimited:
                End(CallEndReason.RateLimited, "messages sent faster than the rate limit");
                break;
            case LegCompletionKind.BinaryMessage:
                End(CallEndReason.ProtocolViolation, "binary frames are not part of the protocol");
                break;
        }

        return completion;
    }

    private async Task TearDownAsync(CallEnd end, Task callerSend, Task<LegCompletion> callerReceive, CancellationTokenSource callCancellation)
    {
        // An ended call takes no more commands: the next one for it finds no instance holding it.
        _listing?.Dispose();
        ModelConnection[] connections;
        lock (_gate)
        {
            _audioFlowing = false;
            connections = [.. _connections];
            _goodbye.Stop();
            _verdictTimer?.Dispose();
            _recycle.Stop();
            _keypad.Stop();
            CancelIdleTimer(callerActivity: false);
            if (_sayDue is not null || _responses.HoldsOperatorMessage)
            {
                // Accepted (during a replacement that never finished, or behind a response that never finished):
                // the operator's 202 promised it, so say it was lost.
                _sayDue = null;
                Log.OperatorMessageNotDelivered(_logger, $"the call ended ({end.Reason.ToName()})");
            }
        }

        var (callerStatus, callerDescription) = CallerCloseFor(end);
        using (var closeTimeout = new CancellationTokenSource(_options.CloseTimeout, _time))
        {
            var closes = new List<Task> { _caller.CloseAsync(callerStatus, callerDescription, closeTimeout.Token) };
            var receives = new List<Task> { callerReceive };
            foreach (var connection in connections)
            {
                if (connection.Leg is { } leg)
                {
                    closes.Add(leg.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", closeTimeout.Token));
                }

                if (connection.ReceiveLoop is { } receive)
                {
                    receives.Add(receive);
                }
            }

            await Task.WhenAll(closes);

            // Give both peers the rest of the close timeout to answer our close frames, then abort what is left.
            var answered = Task.WhenAll(receives);
            await Task.WhenAny(answered, Task.Delay(Timeout.InfiniteTimeSpan, closeTimeout.Token));
        }

        await callCancellation.CancelAsync();
        var remaining = new List<Task> { callerSend, callerReceive };
        lock (_gate)
        {
            remaining.AddRange(_retirements);
        }

        foreach (var connection in connections)
        {
            remaining.Add(connection.Ready);
            remaining.AddRange(connection.Loops);
        }

        try
        {
            await Task.WhenAll(remaining);
        }
        catch (OperationCanceledException)
        {
            // Cancelled set-up of a model connection: expected at teardown.
        }
        catch (Exception ex)
        {
            // The call has its end reason already; a failure while releasing it is logged, never thrown.
            Log.UnexpectedFailure(_logger, ex);
        }

        foreach (var connection in connections)
        {
            if (connection.Leg is { } leg)
            {
                await leg.DisposeAsync();
            }
        }

        await _caller.DisposeAsync();
        lock (_gate)
        {
            _pendingAudio.Release();
        }
    }

    private static (WebSocketCloseStatus Status, string Description) CallerCloseFor(CallEnd end) => end.Reason switch
    {
        CallEndReason.CallerStopped or CallEndReason.CallerDisconnected or CallEndReason.ModelClosed or CallEndReason.MaxDuration or
            CallEndReason.IdleTimeout or CallEndReason.AgentHungUp or CallEndReason.Transferred or CallEndReason.AdminHungUp or CallEndReason.AdminTransferred or
            CallEndReason.MachineHungUp or CallEndReason.VoicemailLeft => (WebSocketCloseStatus.NormalClosure, "call ended"),
        CallEndReason.InvalidConfiguration or CallEndReason.StartTimeout or CallEndReason.RateLimited =>
            (WebSocketCloseStatus.PolicyViolation, end.Detail),
        CallEndReason.ProtocolViolation => (WebSocketCloseStatus.InvalidMessageType, end.Detail),
        CallEndReason.MessageTooBig => (WebSocketCloseStatus.MessageTooBig, end.Detail),
        CallEndReason.ServerShutdown => (WebSocketCloseStatus.EndpointUnavailable, end.Detail),
        _ => (WebSocketCloseStatus.InternalServerError, end.Detail),
    };

    private readonly record struct CallEnd(CallEndReason Reason, string Detail);
}
