using VoiceServer.Conversation;
using VoiceServer.Diagnostics;
using VoiceServer.Records;

namespace VoiceServer.Calls;

/// <summary>
/// What the call's record counts as the call goes (tokens billed, barge-ins, replaced model sessions, response
/// latencies, the segment each agent held), and the record itself once the call has ended. Not thread-safe: the
/// session calls it one event at a time.
/// </summary>
/// <remarks>
/// The call has one segment from its start; a handoff closes it and opens the next. Usage is counted per segment,
/// by the segment of the session that reported it (a late <c>response.done</c> of a replaced session still belongs
/// to the agent whose session it was), and the call's usage is the sum.
/// </remarks>
internal sealed class CallRecordBuilder(TimeProvider time)
{
    private readonly List<long> _responseLatenciesMs = [];
    private readonly List<OpenSegment> _segments = [];
    private DateTimeOffset _startedAt;
    private long _startTimestamp;
    private long _speechStoppedAt;

    public ModelUsage Usage { get; private set; }

    public int BargeIns { get; private set; }

    public int ModelReconnects { get; private set; }

    public IReadOnlyList<long> ResponseLatenciesMs => _responseLatenciesMs;

    /// <summary>The answering-machine verdict the call received, if it awaited one.</summary>
    public string? AnsweredBy { get; set; }

    /// <summary>The index of the segment under way: the one a session that takes over now belongs to.</summary>
    public int CurrentSegment => Math.Max(0, _segments.Count - 1);

    public void OnCallStarted()
    {
        _startedAt = time.GetUtcNow();
        _startTimestamp = time.GetTimestamp();
        _segments.Clear();
        _segments.Add(new OpenSegment(_startedAt));
    }

    /// <summary>The call's configuration is known: the first segment is its agent's.</summary>
    public void OnAgentConfigured(string agentId, string? model)
    {
        var first = FirstSegment();
        first.AgentId = agentId;
        first.Model = model;
    }

    /// <summary>
    /// The call was handed to <paramref name="toAgentId"/>, whose session now takes over: the current segment ends with
    /// <see cref="CallRecordSegment.HandoffEndReason"/> and the model's <paramref name="reason"/>, the next begins.
    /// Returns the new segment's index.
    /// </summary>
    public int OnHandedOver(string toAgentId, string? toModel, string? reason)
    {
        var now = Now();
        var current = _segments.Count == 0 ? FirstSegment() : _segments[^1];
        current.EndedAt = now;
        current.HandedTo = toAgentId;
        current.HandoffReason = string.IsNullOrWhiteSpace(reason) ? null : reason;
        _segments.Add(new OpenSegment(now) { AgentId = toAgentId, Model = toModel });
        return _segments.Count - 1;
    }

    /// <summary>The model's <c>speech_stopped</c>: the response-latency clock starts.</summary>
    public void OnCallerStoppedSpeaking() => _speechStoppedAt = time.GetTimestamp();

    /// <summary>
    /// Per agent audio frame: the first one after the caller stopped speaking stops the clock and gives its latency.
    /// </summary>
    public bool TryStopResponseClock(out TimeSpan latency)
    {
        if (_speechStoppedAt == 0)
        {
            latency = default;
            return false;
        }

        latency = time.GetElapsedTime(_speechStoppedAt);
        _responseLatenciesMs.Add((long)latency.TotalMilliseconds);
        _speechStoppedAt = 0;
        return true;
    }

    /// <summary>
    /// The model session was replaced within the same agent (a drop, the cap, a recycle): speech it heard will never
    /// get its answer, and the replacement is counted in the current segment.
    /// </summary>
    public void OnModelReplaced()
    {
        _speechStoppedAt = 0;
        ModelReconnects++;
        (_segments.Count == 0 ? FirstSegment() : _segments[^1]).ModelReconnects++;
    }

    /// <summary>Returns the count so far.</summary>
    public int OnBargeIn() => ++BargeIns;

    /// <summary>Every session's usage is billed, a replaced one's included, to the segment its session belonged to.</summary>
    public void OnUsage(ModelUsage usage, int segment)
    {
        Usage += usage;
        var owner = _segments.Count == 0 ? FirstSegment() : _segments[Math.Clamp(segment, 0, _segments.Count - 1)];
        owner.Usage += usage;
    }

    public CallRecord Build(
        CallLogScope call,
        CallConfiguration? configuration,
        IReadOnlyList<TranscriptTurn> turns,
        CallEndReason reason,
        string detail,
        TimeSpan duration)
    {
        var endedAt = _startedAt + duration;
        var first = FirstSegment();
        var segments = new CallRecordSegment[_segments.Count];
        for (var index = 0; index < segments.Length; index++)
        {
            var open = _segments[index];
            var last = index == segments.Length - 1;
            segments[index] = new CallRecordSegment
            {
                AgentId = open.AgentId,
                Model = open.Model,
                StartedAt = open.StartedAt,
                EndedAt = last ? endedAt : open.EndedAt,
                EndReason = last ? reason.ToName() : CallRecordSegment.HandoffEndReason,
                HandedTo = last ? null : open.HandedTo,
                HandoffReason = last ? null : open.HandoffReason,
                Usage = open.Usage,
                ModelReconnects = open.ModelReconnects,
            };
        }

        return new()
        {
            CallId = call.CallId,
            CallSid = call.CallSid,
            StreamSid = call.StreamSid,
            AgentId = call.AgentId,
            // The first agent's, as agentId is; a call that never got its configuration has neither.
            Model = first.AgentId is not null ? first.Model : configuration?.Model,
            CallbackUrl = configuration?.CallbackUrl,
            StartedAt = _startedAt,
            EndedAt = endedAt,
            DurationMs = (long)duration.TotalMilliseconds,
            EndReason = reason.ToName(),
            EndDetail = detail,
            Segments = segments,
            Turns = [.. turns.Select(static turn => new CallRecordTurn(turn.Speaker, turn.Text, turn.StartedAt, turn.Interrupted, turn.IsKeypad, turn.AgentId))],
            Usage = Usage,
            BargeIns = BargeIns,
            ModelReconnects = ModelReconnects,
            ResponseLatenciesMs = [.. _responseLatenciesMs],
            AnsweredBy = AnsweredBy,
        };
    }

    /// <summary>Segment times on the call's monotonic clock, so they fall between the call's start and its end.</summary>
    private DateTimeOffset Now() => _startTimestamp == 0 ? time.GetUtcNow() : _startedAt + time.GetElapsedTime(_startTimestamp);

    // A call always has its first segment, even one built without OnCallStarted (it then starts at the call's start).
    private OpenSegment FirstSegment()
    {
        if (_segments.Count == 0)
        {
            _segments.Add(new OpenSegment(_startedAt));
        }

        return _segments[0];
    }

    /// <summary>A segment as the call goes: its end is known once its agent hands over, or at the call's end.</summary>
    private sealed class OpenSegment(DateTimeOffset startedAt)
    {
        public DateTimeOffset StartedAt { get; } = startedAt;

        public DateTimeOffset EndedAt { get; set; }

        public string? AgentId { get; set; }

        public string? Model { get; set; }

        public string? HandedTo { get; set; }

        public string? HandoffReason { get; set; }

        public ModelUsage Usage { get; set; }

        public int ModelReconnects { get; set; }
    }
}
