namespace VoiceServer.Calls;

/// <summary>
/// Ending a call politely (at the time limit, when the caller stays silent, or when the agent hangs up or
/// transfers): ask the model for a brief goodbye once no response is active, let it play out, then end with the
/// reason (or carry out the hang-up or transfer). A cap (<see cref="CallSessionOptions.GoodbyeTimeout"/>) bounds the
/// wait. The session tells it about responses and playback, and carries out the effects it asks for.
/// Not thread-safe: the session calls it one event at a time.
/// </summary>
internal sealed class GoodbyeFlow(TimeProvider time, TimeSpan goodbyeTimeout, IGoodbyeEvents events)
{
    private ITimer? _maxDurationTimer;
    private ITimer? _capTimer;
    private State _state;
    private string? _responseId;
    private string _instructions = string.Empty;
    private TimeSpan _cap;
    private bool _maxDurationReached;

    private enum State
    {
        None,

        /// <summary>The response that carried <c>end_call</c>/<c>transfer_call</c> is still going; it may hold the goodbye.</summary>
        AwaitingCarrier,
        WaitingForQuiet,
        Requested,
        Spoken,

        /// <summary>Played out; the telephony provider is being asked to hang up or transfer.</summary>
        Finishing,
    }

    /// <summary>An ending is under way: no other may start, and no tool may run.</summary>
    public bool IsUnderWay => _state != State.None;

    /// <summary>The goodbye was asked for, or the one carrying a tool call is still going, and not yet played out.</summary>
    public bool IsPending => _state is not (State.None or State.Finishing);

    /// <summary>The goodbye has been spoken; it ends the call once it has played.</summary>
    public bool IsSpoken => _state == State.Spoken;

    public CallEndReason Reason { get; private set; }

    public string Detail { get; private set; } = string.Empty;

    /// <summary>The hang-up or transfer the agent asked for, if any.</summary>
    public CallControlRequest? CallControl { get; private set; }

    /// <summary>The hang-up or transfer being carried out now, after its goodbye played.</summary>
    public CallControlRequest? CallControlUnderWay => _state == State.Finishing ? CallControl : null;

    /// <summary>Arms the time limit, <paramref name="remaining"/> from now.</summary>
    public void StartMaxDurationTimer(TimeSpan remaining) =>
        _maxDurationTimer = time.CreateTimer(static state => ((IGoodbyeEvents)state!).OnMaxDurationReached(), events, remaining, Timeout.InfiniteTimeSpan);

    /// <summary>The time limit passed while another ending is under way: if that one falls through, this one follows.</summary>
    public void DeferMaxDuration() => _maxDurationReached = true;

    /// <summary>
    /// Starts a goodbye of the call's own (time limit, silence, a voicemail message): it waits for a quiet moment.
    /// <paramref name="cap"/> replaces the usual cap for last words longer than a sentence.
    /// </summary>
    public void Begin(CallEndReason reason, string detail, string instructions, TimeSpan? cap = null)
    {
        Reason = reason;
        Detail = detail;
        _instructions = instructions;
        StartCap(cap ?? goodbyeTimeout);
        _state = State.WaitingForQuiet;
    }

    /// <summary>
    /// <c>end_call</c> or <c>transfer_call</c> accepted: the response that called it (<paramref name="carrierResponseId"/>)
    /// may say the goodbye itself; otherwise <paramref name="instructions"/> ask for one.
    /// </summary>
    public void BeginAfterCarrier(string carrierResponseId, CallControlRequest request, string instructions)
    {
        CallControl = request;
        Reason = request.Reason;
        Detail = request.Detail;
        _instructions = instructions;
        _responseId = carrierResponseId;
        _state = State.AwaitingCarrier;
        StartCap(goodbyeTimeout);
    }

    /// <summary>
    /// The goodbye is due and the call is <paramref name="quiet"/> (no response active or asked for): true when it
    /// should be asked for now, with <paramref name="instructions"/>.
    /// </summary>
    public bool TryRequest(bool quiet, out string instructions)
    {
        instructions = _instructions;
        if (_state != State.WaitingForQuiet || !quiet)
        {
            return false;
        }

        _state = State.Requested;
        return true;
    }

    /// <summary>At every <c>response.created</c>: the first after the request is the goodbye.</summary>
    public void OnResponseCreated(string responseId)
    {
        if (_state == State.Requested && _responseId is null)
        {
            _responseId = responseId;
        }
    }

    /// <summary>At every <c>response.done</c>; <paramref name="hadAudio"/>: the response spoke.</summary>
    public GoodbyeStep OnResponseDone(string responseId, bool hadAudio)
    {
        if (_state == State.AwaitingCarrier && string.Equals(responseId, _responseId, StringComparison.Ordinal))
        {
            // The model said its goodbye in the turn that called the tool, or it still has to.
            _state = hadAudio ? State.Spoken : State.WaitingForQuiet;
            _responseId = null;
            return hadAudio ? GoodbyeStep.FinishIfPlayed : GoodbyeStep.RequestIfQuiet;
        }

        if (_state == State.WaitingForQuiet)
        {
            return GoodbyeStep.RequestIfQuiet;
        }

        if (_state == State.Requested && string.Equals(responseId, _responseId, StringComparison.Ordinal))
        {
            _state = State.Spoken;
            return GoodbyeStep.FinishIfPlayed;
        }

        return GoodbyeStep.None;
    }

    /// <summary>The cap passed before the goodbye played: the detail says so.</summary>
    public void OnTimedOut() => Detail += " (goodbye not confirmed in time)";

    /// <summary>
    /// The goodbye played (or its cap passed): the hang-up or transfer to carry out now, or null when the call
    /// simply ends with <see cref="Reason"/>.
    /// </summary>
    public CallControlRequest? Finish()
    {
        if (CallControl is not null)
        {
            _state = State.Finishing;
        }

        return CallControl;
    }

    /// <summary>
    /// The transfer did not happen: the call goes on. True when the time limit passed meanwhile, so its goodbye
    /// should follow.
    /// </summary>
    public bool Abandon()
    {
        CallControl = null;
        _state = State.None;
        _responseId = null;
        _capTimer?.Dispose();
        return _maxDurationReached;
    }

    /// <summary>
    /// A new model session took over: a goodbye the old one was asked for (or was carrying) is asked of the new one.
    /// One not yet spoken gets its whole cap again, counted from now: the replacement's gap was no time to say it
    /// (a voicemail message begun meanwhile would otherwise be cut off, or never said).
    /// </summary>
    public void OnModelReplaced()
    {
        if (_state is State.Requested or State.AwaitingCarrier)
        {
            _state = State.WaitingForQuiet;
            _responseId = null;
        }

        if (_state == State.WaitingForQuiet)
        {
            StartCap(_cap);
        }
    }

    /// <summary>At teardown: no timer fires after the call.</summary>
    public void Stop()
    {
        _maxDurationTimer?.Dispose();
        _capTimer?.Dispose();
    }

    // Marks that never return or a model that never answers must not hold the call open.
    private void StartCap(TimeSpan cap)
    {
        _cap = cap;
        _capTimer?.Dispose();
        _capTimer = time.CreateTimer(static state => ((IGoodbyeEvents)state!).OnGoodbyeTimedOut(), events, cap, Timeout.InfiniteTimeSpan);
    }
}
